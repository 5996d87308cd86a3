-- The logger: level, message and attributes table, from any thread.
local T = require "helper"
local probe = require "probe"

T.test("logger gets records", function()
    local records = {}
    local pool = probe.Pool {size = 2, log_level = "debug",
                             logger = function(level, message, attrs)
        records[#records + 1] = {level = level, message = message,
                                 attrs = attrs}
    end}
    pool:stop()
    T.ok(#records > 0, "records received")
    local levels, started = {}, nil
    for _, r in ipairs(records) do
        levels[r.level] = true
        T.eq(type(r.message), "string", "message type")
        T.eq(type(r.attrs), "table", "attrs type")
        T.eq(type(r.attrs.source), "string", "source attribute")
        T.eq(type(r.attrs.id), "string", "id attribute")
        if r.message:find("started with 2 workers", 1, true) then
            started = r
        end
    end
    T.ok(levels.debug, "debug records")
    T.ok(levels.info, "info records")
    T.ok(started, "start record")
    T.eq(started.attrs.source, "pool", "source")
    T.eq(started.attrs.id, pool:id(), "id names the pool")
end)

T.test("log level filters", function()
    local levels = {}
    local pool = probe.Pool {size = 1, log_level = "warn",
                             logger = function(level) levels[level] = true end}
    pool:stop()
    T.eq(levels.debug, nil, "debug filtered")
    T.eq(levels.info, nil, "info filtered")
end)

T.test("task error record", function()
    local record
    local pool = probe.Pool {size = 1, logger = function(level, message, a)
        if level == "error" then record = {message = message, attrs = a} end
    end}
    pool:run(function() error("boom") end)
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    T.ok(record, "error record")
    T.contains(record.message, "task failed: ", "prefix")
    T.contains(record.message, "boom", "error")
    T.contains(record.message, "stack traceback:", "traceback")
    T.eq(record.attrs.source, "pool", "source")
    T.eq(record.attrs.id, pool:id(), "pool id")
    T.eq(type(record.attrs.worker), "string", "worker id")
    pool:stop()
end)

T.test("logger error is contained", function()
    local calls = 0
    local pool = probe.Pool {size = 1, logger = function()
        calls = calls + 1
        error("logger failure, printed on stderr")
    end}
    pool:run(function() end)
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    pool:stop()
    T.ok(calls > 0, "logger called")
end)

T.test("logger may block", function()
    -- A logger that sleeps releases the state lock like any other call.
    local count = 0
    local pool = probe.Pool {size = 2, log_level = "debug",
                             logger = function()
        probe.sleep(0.001)
        count = count + 1
    end}
    for _ = 1, 20 do pool:run(function() end) end
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    pool:stop()
    T.ok(count > 0, "records")
end)

T.run()
