-- Contexts: cancel, children, deadlines, waits, and the task's context.
local T = require "helper"
local probe = require "probe"

T.test("root context cancels", function()
    local ctx = probe.Context()
    T.eq(ctx:done(), false, "done before cancel")
    T.eq(ctx:err(), nil, "err before cancel")
    T.ok(ctx:cancel(), "cancel")
    T.eq(ctx:done(), true, "done after cancel")
    T.eq(ctx:err(), "cancelled", "err after cancel")
    T.ok(ctx:cancel(), "second cancel")
end)

T.test("child follows parent", function()
    local parent = probe.Context()
    local child = parent:child()
    local grandchild = probe.Context {parent = child}
    parent:cancel()
    T.eq(child:done(), true, "child done")
    T.eq(grandchild:done(), true, "grandchild done")
end)

T.test("child cancel spares parent", function()
    local parent = probe.Context()
    local child = parent:child()
    child:cancel()
    T.eq(parent:done(), false, "parent done")
end)

T.test("wait times out", function()
    local ctx = probe.Context()
    T.eq(ctx:wait(0), false, "poll")
    T.eq(ctx:wait(0.01), false, "short wait")
end)

T.test("deadline context expires", function()
    local ctx = probe.Context {timeout = 0.05}
    T.eq(ctx:wait(T.TIMEOUT), true, "wait for the deadline")
    T.eq(ctx:err(), "timed out", "err")
end)

T.test("child deadline", function()
    local parent = probe.Context()
    local child = parent:child {timeout = 0.02}
    T.eq(child:wait(T.TIMEOUT), true, "child wait")
    T.eq(parent:done(), false, "parent done")
end)

T.test("worker cancel wakes main", function()
    local pool = probe.Pool {size = 1}
    local ctx = probe.Context()
    pool:run(function() ctx:cancel() end)
    T.eq(ctx:wait(T.TIMEOUT), true, "ctx:wait")
    pool:stop()
end)

T.test("task sees its context", function()
    local ctx = probe.Context()
    local pool = probe.Pool {size = 1, context = ctx}
    local started = probe.Context()
    local saw_done
    pool:run(function()
        local mine = probe.current_context()
        started:cancel()
        saw_done = mine:wait(T.TIMEOUT)
    end)
    T.ok(started:wait(T.TIMEOUT), "task started")
    ctx:cancel()
    pool:stop()
    T.eq(saw_done, true, "task's context cancelled")
    T.eq(probe.current_context(), nil, "context outside a task")
end)

T.test("context fd", function()
    local ctx = probe.Context()
    T.ok(ctx:fd() >= 0, "descriptor")
end)

T.test("bad context arguments", function()
    T.contains(T.raises(function() probe.Context {timeout = -1} end),
               "timeout must be", "negative timeout")
    T.contains(T.raises(function() probe.Context {parent = {}} end),
               "parent must be a probe.Context", "bad parent")
    T.contains(T.raises(function() probe.Context {deadline = 1} end),
               "unknown option 'deadline'", "unknown option")
    T.contains(T.raises(function() probe.Context():wait("soon") end),
               "timeout must be", "wait argument")
end)

T.run()
