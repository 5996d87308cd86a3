-- Lifetimes: functions stay anchored until they run or are discarded,
-- and collecting a pool never blocks, even on one of its own workers.
local T = require "helper"
local probe = require "probe"

local function full_collect()
    collectgarbage("collect")
    collectgarbage("collect")
end

local function blocker(started, gate)
    return function()
        started:cancel()
        gate:wait(T.TIMEOUT)
    end
end

T.test("queued functions survive collection", function()
    local pool = probe.Pool {size = 1}
    local started, gate = probe.Context(), probe.Context()
    pool:run(blocker(started, gate))
    T.ok(started:wait(T.TIMEOUT), "worker busy")
    local results = {}
    for i = 1, 30 do
        local captured = {value = i}
        pool:run(function(extra) results[i] = captured.value + extra.n end,
                 {n = 1000})
    end
    full_collect()
    gate:cancel()
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    for i = 1, 30 do
        T.eq(results[i], i + 1000, "result " .. i)
    end
    pool:stop()
end)

T.test("finished and discarded jobs are released", function()
    local weak = setmetatable({}, {__mode = "k"})
    local pool = probe.Pool {size = 1}
    for _ = 1, 10 do
        local arg = {}
        weak[arg] = true
        pool:run(function() end, arg)
    end
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    local started, gate = probe.Context(), probe.Context()
    pool:run(blocker(started, gate))
    T.ok(started:wait(T.TIMEOUT), "worker busy")
    for _ = 1, 10 do
        local arg = {}
        weak[arg] = true
        pool:run(function() end, arg)
    end
    pool:stop {mode = "discard", wait = false}
    gate:cancel()
    pool:stop {mode = "discard"}
    full_collect()
    T.eq(next(weak), nil, "arguments collected")
end)

T.test("future results outlive the task", function()
    local pool = probe.Pool {size = 1}
    local f = pool:submit(function() return {kept = true} end)
    T.ok(f:wait(T.TIMEOUT), "wait")
    full_collect()
    T.eq(f:result().kept, true, "result after collection")
    pool:stop()
end)

T.test("collecting a busy pool does not block", function()
    local weak = setmetatable({}, {__mode = "v"})
    local started, finished = probe.Context(), probe.Context()
    do
        local pool = probe.Pool {size = 1}
        weak.pool = pool
        pool:run(function()
            local ctx = probe.current_context()
            started:cancel()
            ctx:wait(T.TIMEOUT)
            finished:cancel()
        end)
    end
    T.ok(started:wait(T.TIMEOUT), "task started")
    full_collect()
    T.eq(weak.pool, nil, "pool collected")
    -- The collected pool is stopped, which cancels the running task.
    T.ok(finished:wait(T.TIMEOUT), "task finished")
end)

T.test("pool collected by its own worker", function()
    local weak = setmetatable({}, {__mode = "v"})
    local holder = {pool = probe.Pool {size = 2}}
    local finished = probe.Context()
    weak.pool = holder.pool
    holder.pool:run(function()
        holder.pool = nil
        full_collect()
        finished:cancel()
    end)
    T.ok(finished:wait(T.TIMEOUT), "task finished")
    full_collect()
    T.eq(weak.pool, nil, "pool collected")
end)

T.test("context dropped before its pool", function()
    local pool
    do
        local ctx = probe.Context()
        pool = probe.Pool {size = 1, context = ctx}
    end
    full_collect()
    local done = false
    pool:run(function() done = true end)
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    T.eq(done, true, "task ran")
    pool:stop()
end)

T.test("close stops and drains", function()
    local count = 0
    local pool = probe.Pool {size = 1}
    for _ = 1, 10 do
        pool:run(function() count = count + 1 end)
    end
    T.ok(pool:close(), "close")
    T.eq(count, 10, "drained")
    T.eq(pool:running(), 0, "stopped")
end)

if T.lua_version() >= 5.4 then
    T.test("to-be-closed pool drains at scope end", function()
        -- load() keeps the <close> syntax away from older parsers.
        local body = load([[
            local probe, counter = ...
            local pool <close> = probe.Pool {size = 2}
            for _ = 1, 10 do
                pool:run(function() counter.n = counter.n + 1 end)
            end
            return pool
        ]])
        local counter = {n = 0}
        local pool = body(probe, counter)
        T.eq(counter.n, 10, "drained at scope end")
        T.eq(pool:running(), 0, "stopped at scope end")
    end)
end

T.run()
