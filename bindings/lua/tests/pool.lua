-- Pools and probes: submits, stop modes, restart, waits, resize.
local T = require "helper"
local probe = require "probe"

-- Return a task that signals `started`, then blocks until `gate` is
-- cancelled, so the test decides when a worker is free again.
local function blocker(started, gate)
    return function()
        started:cancel()
        gate:wait(T.TIMEOUT)
    end
end

T.test("try_run reports a full queue", function()
    local pool = probe.Pool {size = 1, buffer = 2}
    local started, gate = probe.Context(), probe.Context()
    pool:run(blocker(started, gate))
    T.ok(started:wait(T.TIMEOUT), "worker busy")
    T.ok(pool:try_run(function() end), "first try_run")
    T.ok(pool:try_run(function() end), "second try_run fills the queue")
    local ok, why = pool:try_run(function() end)
    T.eq(ok, false, "third try_run")
    T.eq(why, "full", "reason")
    local timed, timed_why = pool:run_timed(0.01, function() end)
    T.eq(timed, false, "run_timed")
    T.eq(timed_why, "timed out", "run_timed reason")
    gate:cancel()
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    T.eq(pool:metrics().rejected, 2, "rejected metric")
    pool:stop()
end)

T.test("run blocks until there is room", function()
    local pool = probe.Pool {size = 1, buffer = 2}
    local count = 0
    for _ = 1, 50 do
        pool:run(function() count = count + 1 end)
    end
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    T.eq(count, 50, "tasks run")
    pool:stop()
end)

T.test("stop drains by default", function()
    local pool = probe.Pool {size = 1}
    local started, gate = probe.Context(), probe.Context()
    local count = 0
    pool:run(blocker(started, gate))
    T.ok(started:wait(T.TIMEOUT), "worker busy")
    for _ = 1, 5 do
        pool:run(function() count = count + 1 end)
    end
    gate:cancel()
    T.ok(pool:stop(), "stop")
    T.eq(count, 5, "queued tasks ran")
    T.eq(pool:running(), 0, "workers after stop")
end)

T.test("stop keep then start", function()
    local pool = probe.Pool {size = 1}
    local started, gate = probe.Context(), probe.Context()
    local count = 0
    pool:run(blocker(started, gate))
    T.ok(started:wait(T.TIMEOUT), "worker busy")
    for _ = 1, 3 do
        pool:run(function() count = count + 1 end)
    end
    T.ok(pool:stop {mode = "keep", wait = false}, "stop without wait")
    gate:cancel()
    T.ok(pool:stop {mode = "keep"}, "stop and wait")
    T.eq(count, 0, "kept tasks did not run")
    T.eq(pool:metrics().queued, 3, "queued metric")
    T.ok(pool:start(), "start")
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    T.eq(count, 3, "kept tasks ran after start")
    pool:stop()
end)

T.test("stop discard", function()
    local pool = probe.Pool {size = 1}
    local started, gate = probe.Context(), probe.Context()
    local count = 0
    pool:run(blocker(started, gate))
    T.ok(started:wait(T.TIMEOUT), "worker busy")
    for _ = 1, 4 do
        pool:run(function() count = count + 1 end)
    end
    T.ok(pool:stop {mode = "discard", wait = false}, "stop")
    gate:cancel()
    T.ok(pool:stop {mode = "discard"}, "stop and wait")
    T.eq(count, 0, "discarded tasks")
    T.eq(pool:metrics().discarded, 4, "discarded metric")
end)

T.test("stop with timeout", function()
    local pool = probe.Pool {size = 1}
    local started, gate = probe.Context(), probe.Context()
    pool:run(blocker(started, gate))
    T.ok(started:wait(T.TIMEOUT), "worker busy")
    -- The running task ignores the pool's cancel: it waits on `gate`.
    local ok, why = pool:stop {timeout = 0.02}
    T.eq(ok, false, "stop timed out")
    T.eq(why, "timed out", "reason")
    gate:cancel()
    T.eq(pool:stop {timeout = T.TIMEOUT}, true, "second stop")
end)

T.test("wait times out", function()
    local pool = probe.Pool {size = 1}
    local started, gate = probe.Context(), probe.Context()
    pool:run(blocker(started, gate))
    T.ok(started:wait(T.TIMEOUT), "worker busy")
    local ok, why = pool:wait(0.01)
    T.eq(ok, false, "wait")
    T.eq(why, "timed out", "reason")
    gate:cancel()
    T.ok(pool:wait(T.TIMEOUT), "second wait")
    pool:stop()
end)

T.test("idle running size resize", function()
    local pool = probe.Pool {size = 2}
    T.eq(pool:size(), 2, "size")
    T.eq(pool:running(), 2, "running")
    T.eq(pool:idle(), 2, "idle")
    T.ok(pool:resize(3), "grow")
    T.eq(pool:size(), 3, "size after grow")
    T.eq(pool:running(), 3, "running after grow")
    T.ok(pool:resize(1), "shrink")
    T.eq(pool:size(), 1, "size after shrink")
    T.ok(tostring(pool):match("^pool "), "tostring")
    T.eq(type(pool:id()), "string", "id")
    pool:stop()
end)

T.test("metrics table", function()
    local pool = probe.Pool {size = 1}
    pool:run(function() end)
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    local m = pool:metrics()
    for _, name in ipairs {"submitted", "completed", "failed", "rejected",
                           "discarded", "cancelled", "queued", "active",
                           "workers", "idle", "peak_queued"} do
        T.eq(type(m[name]), "number", name)
    end
    T.eq(m.submitted, 1, "submitted")
    T.eq(m.completed, 1, "completed")
    pool:stop()
end)

T.test("one-slot queue holds one task", function()
    local pool = probe.Pool {size = 1, buffer = 1}
    local started, gate = probe.Context(), probe.Context()
    local count = 0
    pool:run(blocker(started, gate))
    T.ok(started:wait(T.TIMEOUT), "worker busy")
    T.ok(pool:try_run(function() count = count + 1 end), "first try_run")
    T.eq(pool:try_run(function() count = count + 1 end), false,
         "second try_run")
    gate:cancel()
    for _ = 1, 20 do
        pool:run(function() count = count + 1 end)
    end
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    T.eq(count, 21, "tasks run")
    pool:stop()
end)

T.test("probe runs tasks", function()
    local p = probe.Probe {}
    T.eq(p:running(), true, "running")
    local worker_ids = {}
    for i = 1, 10 do
        p:run(function() worker_ids[i] = probe.current_id() end)
    end
    T.ok(p:stop(), "stop drains")
    T.eq(#worker_ids, 10, "tasks run")
    T.eq(worker_ids[1], worker_ids[10], "one worker")
    T.eq(p:running(), false, "running after stop")
    T.ok(p:start(), "start")
    T.eq(p:running(), true, "running after start")
    p:stop()
end)

T.test("probe with buffer and try_run", function()
    local p = probe.Probe {buffer = 2}
    local started, gate = probe.Context(), probe.Context()
    p:run(blocker(started, gate))
    T.ok(started:wait(T.TIMEOUT), "worker busy")
    T.ok(p:try_run(function() end), "first try_run")
    T.ok(p:try_run(function() end), "fills the buffer")
    T.eq(p:try_run(function() end), false, "full")
    T.eq(p:idle(), false, "idle while busy")
    gate:cancel()
    p:stop()
end)

T.test("pool under a cancelled context", function()
    local ctx = probe.Context()
    local pool = probe.Pool {size = 1, context = ctx}
    ctx:cancel()
    local err = T.raises(function()
        -- The cancel stops the pool asynchronously; poll until it did.
        for _ = 1, 1000 do
            pool:run(function() end)
            probe.sleep(0.001)
        end
    end, "run after cancel")
    T.ok(probe.is_error(err), "probe.Error")
    T.ok(err.name == "ECANCELED" or err.name == "ESTOPPED", "error name")
end)

T.test("sleep lets workers run", function()
    local pool = probe.Pool {size = 1}
    local done = probe.Context()
    pool:run(function() done:cancel() end)
    while not done:done() do
        probe.sleep(0.001)
    end
    pool:stop()
end)

T.run()
