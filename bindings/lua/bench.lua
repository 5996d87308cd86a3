-- Throughput and latency of the Lua binding, printed as numbers.
--
--   LUA_CPATH=BUILD/bindings/lua/.libs/?.so LUA_PATH=SRC/bindings/lua/?.lua \
--   LD_LIBRARY_PATH=BUILD/lib/.libs lua5.4 bindings/lua/bench.lua [N]
--
-- N (default 100000) is the number of tasks of the throughput runs.
local probe = require "probe"

local tasks = tonumber(arg and arg[1]) or 100000

-- LuaJIT runs no hooks in compiled code, so the spinning loops below
-- would never let the workers in: measure its interpreter instead.
if jit then
    jit.off()
end

local function report(name, count, seconds)
    print(string.format("%-34s %9d ops %8.3f s %10.0f ops/s %8.2f us/op",
                        name, count, seconds, count / seconds,
                        seconds / count * 1e6))
end

local function empty() end

-- Queue `count` empty tasks with `submit` and wait for all of them.
local function throughput(name, size, count, submit)
    local pool = probe.Pool {size = size}
    local started = probe.monotonic()
    for _ = 1, count do
        submit(pool)
    end
    assert(pool:wait(600), "pool:wait timed out")
    report(name, count, probe.monotonic() - started)
    pool:stop()
end

print(string.format("probe %s, %s", probe.version,
                    jit and (jit.version .. ", jit.off()") or _VERSION))
for _, size in ipairs {1, 4} do
    throughput(string.format("run, %d worker(s)", size), size, tasks,
               function(pool) pool:run(empty) end)
end
throughput("try_run (spinning when full), 4", 4, tasks, function(pool)
    while not pool:try_run(empty) do end
end)

-- One call at a time: submit, then wait for its result.
do
    local pool = probe.Pool {size = 1}
    local count = math.max(1, math.floor(tasks / 10))
    local started = probe.monotonic()
    for i = 1, count do
        assert(pool:submit(function(x) return x end, i):result(60) == i)
    end
    report("submit + result round trip", count, probe.monotonic() - started)
    pool:stop()
end

-- The switch hook: the main script and one worker both loop in pure Lua
-- for a second; count the hand-overs of the state lock.  LuaJIT runs no
-- hook while one is active, so there the two loops cannot share.
if jit then
    print("hook hand-overs, 2 loops: not measured on LuaJIT")
else
    local pool = probe.Pool {size = 1}
    local state = {stop = false}
    pool:run(function()
        local x = 0
        while not state.stop do x = x + 1 end
    end)
    local _, before = probe.lock_stats()
    local started = probe.monotonic()
    local x = 0
    while probe.monotonic() - started < 1 do x = x + 1 end
    state.stop = true
    local seconds = probe.monotonic() - started
    assert(pool:wait(60), "pool:wait timed out")
    local _, after = probe.lock_stats()
    report("hook hand-overs, 2 loops", after - before, seconds)
    pool:stop()
end
