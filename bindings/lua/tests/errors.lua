-- Errors: bad arguments raise string errors, C failures raise probe.Error,
-- and an error inside a task is caught, counted and reported.
local T = require "helper"
local probe = require "probe"

T.test("bad arguments raise", function()
    local pool = probe.Pool {size = 1}
    T.contains(T.raises(function() pool:run(42) end),
               "pool:run: expected a function, got number", "run")
    T.contains(T.raises(function() pool:try_run() end),
               "expected a function, got nil", "try_run")
    T.contains(T.raises(function() pool:stop {mode = "later"} end),
               "mode must be drain, keep or discard", "stop mode")
    T.contains(T.raises(function() pool:stop {timeout = 1, wait = false} end),
               "timeout needs wait = true", "stop timeout without wait")
    T.contains(T.raises(function() pool:wait(-1) end),
               "timeout must be a number of seconds >= 0", "wait")
    T.contains(T.raises(function() pool:resize(0) end),
               "size must be a whole number >= 1", "resize")
    T.contains(T.raises(function() pool:stop "drain" end),
               "expected a table of options, got string", "stop options")
    pool:stop()
end)

T.test("bad constructor options raise", function()
    T.contains(T.raises(function() probe.Pool {sise = 2} end),
               "probe.Pool: unknown option 'sise'", "unknown option")
    T.contains(T.raises(function() probe.Pool {size = -1} end),
               "size = -1 is out of range", "negative size")
    T.contains(T.raises(function() probe.Pool {size = 1.5} end),
               "size must be a whole number", "fractional size")
    T.contains(T.raises(function() probe.Pool {logger = "stderr"} end),
               "logger: expected a function, got string", "logger type")
    T.contains(T.raises(function() probe.Pool {log_level = "loud"} end),
               "log_level must be debug, info, warn or error", "log level")
    T.contains(T.raises(function() probe.Pool {name = ("x"):rep(16)} end),
               "name must be 1 to 15 characters", "long name")
    T.contains(T.raises(function() probe.Pool {context = {}} end),
               "context must be a probe.Context", "context type")
    T.contains(T.raises(function() probe.Probe {size = 2} end),
               "a probe has one worker", "probe size")
    T.contains(T.raises(function() probe.sleep(-1) end),
               "timeout must be", "sleep")
end)

T.test("stopped pool raises ESTOPPED", function()
    local pool = probe.Pool {size = 1}
    pool:stop()
    local err = T.raises(function() pool:run(function() end) end, "run")
    T.ok(probe.is_error(err), "probe.Error")
    T.eq(err.name, "ESTOPPED", "name")
    T.eq(err.code, -4, "code")
    T.contains(tostring(err), "pool:run: ", "message names the call")
    local group_err = T.raises(function() pool:group() end, "group")
    T.ok(probe.is_error(group_err), "group error is a probe.Error")
end)

T.test("stop and wait from own task", function()
    local pool = probe.Pool {size = 1}
    local stop_err, wait_err
    pool:run(function()
        stop_err = select(2, pcall(pool.stop, pool))
        wait_err = select(2, pcall(pool.wait, pool))
    end)
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    T.ok(probe.is_error(stop_err), "stop raised a probe.Error")
    T.eq(stop_err.name, "EDEADLK", "stop error")
    T.eq(wait_err.name, "EDEADLK", "wait error")
    pool:stop()
end)

T.test("task error is counted", function()
    local records = {}
    local pool = probe.Pool {size = 1, logger = function(level, message)
        records[#records + 1] = {level = level, message = message}
    end}
    pool:run(function() error("first failure") end)
    pool:run(function() local t = nil; return t.field end)
    pool:run(function() error(setmetatable({}, {__tostring = function()
        return "custom error object" end})) end)
    pool:run(function() error({code = 7}) end)
    local survived = false
    pool:run(function() survived = true end)
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    T.eq(survived, true, "worker ran the next task")
    T.eq(pool:metrics().failed, 4, "failed metric")
    T.eq(pool:metrics().completed, 5, "completed metric")
    local errors = {}
    for _, r in ipairs(records) do
        if r.level == "error" then
            errors[#errors + 1] = r.message
        end
    end
    T.eq(#errors, 4, "error records")
    T.contains(errors[1], "first failure", "first message")
    T.contains(errors[1], "stack traceback:", "traceback")
    T.contains(errors[1], "errors.lua", "traceback names the file")
    T.contains(errors[2], "attempt to index", "index error")
    T.contains(errors[3], "custom error object", "__tostring used")
    T.contains(errors[4], "error object is a table value", "table error")
    pool:stop()
end)

T.test("yield in a task is an error", function()
    local messages = {}
    local pool = probe.Pool {size = 1, logger = function(level, message)
        if level == "error" then messages[#messages + 1] = message end
    end}
    pool:run(function() coroutine.yield() end)
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    T.eq(pool:metrics().failed, 1, "failed metric")
    T.contains(messages[1], "yield", "message")
    pool:stop()
end)

T.test("task error without logger", function()
    -- Goes to stderr; the test checks that the pool carries on.
    local pool = probe.Pool {size = 1}
    pool:run(function() error("expected failure, printed on stderr") end)
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    T.eq(pool:metrics().failed, 1, "failed metric")
    pool:stop()
end)

T.run()
