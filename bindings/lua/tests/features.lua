-- Futures and groups.
local T = require "helper"
local probe = require "probe"

local function blocker(started, gate)
    return function()
        started:cancel()
        gate:wait(T.TIMEOUT)
    end
end

T.test("future returns values", function()
    local pool = probe.Pool {size = 2}
    local f = pool:submit(function(a, b) return a + b, "sum", nil end, 2, 3)
    local x, label, missing = f:result(T.TIMEOUT)
    T.eq(x, 5, "first result")
    T.eq(label, "sum", "second result")
    T.eq(missing, nil, "third result")
    T.eq(f:status(), "done", "status")
    T.eq(select("#", f:result()), 3, "result count")
    T.eq(f:result(), 5, "result read again")
    pool:stop()
end)

T.test("future with no results", function()
    local pool = probe.Pool {size = 1}
    local f = pool:submit(function() end)
    T.eq(select("#", f:result(T.TIMEOUT)), 0, "result count")
    pool:stop()
end)

T.test("future raises task error", function()
    local pool = probe.Pool {size = 1, logger = function() end}
    local f = pool:submit(function() error("future failure") end)
    T.ok(f:wait(T.TIMEOUT), "wait")
    local err = T.raises(function() f:result() end, "result")
    T.ok(probe.is_error(err), "probe.Error")
    T.eq(err.name, "TASK", "name")
    T.contains(err.message, "future failure", "message")
    T.contains(err.message, "stack traceback:", "traceback")
    pool:stop()
end)

T.test("future cancel and timeout", function()
    local pool = probe.Pool {size = 1}
    local started, gate = probe.Context(), probe.Context()
    local running = pool:submit(blocker(started, gate))
    T.ok(started:wait(T.TIMEOUT), "worker busy")
    local ran = false
    local queued = pool:submit(function() ran = true end)
    T.eq(queued:status(), "queued", "queued status")
    T.eq(running:status(), "running", "running status")
    local ok, why = queued:wait(0.01)
    T.eq(ok, false, "wait times out")
    T.eq(why, "timed out", "reason")
    local err = T.raises(function() queued:result(0) end, "result")
    T.eq(err.name, "ETIMEDOUT", "result timeout")
    T.eq(queued:cancel(), true, "cancel queued")
    T.eq(queued:status(), "cancelled", "cancelled status")
    T.eq(running:cancel(), false, "cancel running")
    local cerr = T.raises(function() queued:result() end, "result")
    T.eq(cerr.name, "ECANCELED", "cancelled result")
    gate:cancel()
    T.ok(running:wait(T.TIMEOUT), "running finishes")
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    T.eq(ran, false, "cancelled call never ran")
    pool:stop()
end)

T.test("future discarded by stop", function()
    local pool = probe.Pool {size = 1}
    local started, gate = probe.Context(), probe.Context()
    pool:run(blocker(started, gate))
    T.ok(started:wait(T.TIMEOUT), "worker busy")
    local f = pool:submit(function() return 1 end)
    pool:stop {mode = "discard", wait = false}
    gate:cancel()
    pool:stop {mode = "discard"}
    T.eq(f:status(), "discarded", "status")
    T.eq(T.raises(function() f:result() end).name, "ECANCELED", "result")
end)

T.test("group waits for its tasks", function()
    local pool = probe.Pool {size = 2}
    local group = pool:group()
    local count = 0
    for _ = 1, 20 do
        group:run(function() count = count + 1 end)
    end
    T.ok(group:wait(T.TIMEOUT), "group:wait")
    T.eq(count, 20, "tasks run")
    T.eq(group:failed(), false, "failed")
    T.eq(group:context():done(), false, "context")
    pool:stop()
end)

T.test("group cancel on error", function()
    local pool = probe.Pool {size = 1, logger = function() end}
    local started, gate = probe.Context(), probe.Context()
    local group = pool:group {cancel_on_error = true}
    group:run(function()
        started:cancel()
        gate:wait(T.TIMEOUT)
        error("group failure")
    end)
    T.ok(started:wait(T.TIMEOUT), "first task started")
    local later = false
    group:run(function() later = true end)
    gate:cancel()
    T.ok(group:wait(T.TIMEOUT), "group:wait")
    T.eq(group:failed(), true, "failed")
    T.eq(later, false, "queued task cancelled")
    T.eq(group:context():done(), true, "context cancelled")
    local err = T.raises(function() group:run(function() end) end, "run")
    T.eq(err.name, "ECANCELED", "run after cancel")
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    T.eq(pool:metrics().cancelled, 1, "cancelled metric")
    pool:stop()
end)

T.test("group cancel", function()
    local pool = probe.Pool {size = 1}
    local started, gate = probe.Context(), probe.Context()
    pool:run(blocker(started, gate))
    T.ok(started:wait(T.TIMEOUT), "worker busy")
    local group = pool:group()
    local ran = false
    group:run(function() ran = true end)
    T.ok(group:cancel(), "cancel")
    gate:cancel()
    T.ok(group:wait(T.TIMEOUT), "group:wait")
    T.eq(ran, false, "cancelled task")
    pool:stop()
end)

T.run()
