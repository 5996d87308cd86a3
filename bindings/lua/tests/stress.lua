-- Stress: 4 workers run 100,000 Lua callbacks while the main script
-- submits, loops and allocates.  The binding counts every time a thread
-- ran Lua code without holding the state lock; the test requires 0.
-- PROBE_LUA_STRESS_TASKS overrides the count (the valgrind check uses a
-- smaller one).
local T = require "helper"
local probe = require "probe"

-- LuaJIT runs no hooks in compiled code, so the loops below would keep
-- the state lock; with the compiler off they behave as in PUC Lua.
if jit then
    jit.off()
end

local tasks = tonumber(os.getenv("PROBE_LUA_STRESS_TASKS")) or 100000

T.test("callbacks while main allocates", function()
    local pool = probe.Pool {size = 4, buffer = 64}
    local results = {}
    local garbage = {}
    local started = os.time()

    -- Each task writes only its own slot: a switch may fall between any
    -- two instructions, so a shared counter would lose updates.
    local function task(i, payload)
        local copy = {payload[1], tostring(i)}
        results[i] = #copy + i
    end
    for i = 1, tasks do
        pool:run(task, i, {i})
        garbage[i % 512] = {tostring(i), {i}}
    end

    -- Loop in pure Lua until the workers are done: only the switch hook
    -- lets them in.
    local spins = 0
    while true do
        spins = spins + 1
        garbage[spins % 512] = {spins}
        if spins % 1000 == 0 then
            if pool:metrics().completed == tasks then
                break
            end
            T.ok(os.time() - started < 10 * T.TIMEOUT, "finished in time")
        end
    end
    pool:stop()

    local m = pool:metrics()
    T.eq(m.completed, tasks, "completed")
    T.eq(m.failed, 0, "failed")
    for i = 1, tasks do
        if results[i] ~= i + 2 then
            T.eq(results[i], i + 2, "result " .. i)
        end
    end
    local violations, switches = probe.lock_stats()
    T.eq(violations, 0, "threads inside the state at once")
    print(string.format("# %d tasks in about %d s, %d lock hand-overs "
                        .. "by the hook, %d main loop spins", tasks,
                        os.time() - started, switches, spins))
end)

-- LuaJIT keeps its hook state per VM, not per coroutine, and runs no hook
-- while one is active: a thread waiting in the switch hook turns it off
-- for everyone, so pure-Lua loops cannot share the lock there.
if jit then
    print("# skipped on LuaJIT: workers starve no one")
else T.test("workers starve no one", function()
    -- Two workers loop in pure Lua until the main script sets the flag.
    -- The main script, itself looping in pure Lua, sets it once both
    -- workers have started: each side gets its turns only from the hook.
    local pool = probe.Pool {size = 2}
    local state = {flag = false, started = {}, seen = {}}
    for w = 1, 2 do
        pool:run(function()
            state.started[w] = true
            local x = 0
            while not state.flag do x = x + 1 end
            state.seen[w] = x
        end)
    end
    local deadline = probe.monotonic() + T.TIMEOUT
    local spins = 0
    while not (state.started[1] and state.started[2]) do
        spins = spins + 1
        if spins % 1000 == 0 then
            T.ok(probe.monotonic() < deadline, "workers started in time")
        end
    end
    state.flag = true
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    T.eq(type(state.seen[1]), "number", "worker 1 finished")
    T.eq(type(state.seen[2]), "number", "worker 2 finished")
    T.eq(probe.lock_stats(), 0, "violations")
    pool:stop()
end) end

T.run()
