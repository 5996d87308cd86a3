-- The binding loads from the build tree and runs Lua functions on a pool.
local T = require "helper"
local probe = require "probe"

T.test("module loads", function()
    T.eq(type(probe.version), "string", "probe.version")
    T.ok(probe.version:match("^%d+%.%d+%.%d+$"), "version format")
end)

T.test("pool runs functions", function()
    local pool = probe.Pool {size = 2}
    local sum = 0
    for i = 1, 100 do
        pool:run(function(x) sum = sum + x end, i)
    end
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    T.eq(sum, 5050, "sum of the tasks' arguments")
    T.ok(pool:stop(), "pool:stop")
end)

T.test("arguments keep their types", function()
    local pool = probe.Pool {size = 1}
    local seen
    local t = {}
    pool:run(function(...) seen = table.pack and table.pack(...) or
                                {n = select("#", ...), ...} end,
             1, "two", nil, t, false)
    T.ok(pool:wait(T.TIMEOUT), "pool:wait")
    T.eq(seen.n, 5, "argument count")
    T.eq(seen[1], 1, "number")
    T.eq(seen[2], "two", "string")
    T.eq(seen[3], nil, "nil")
    T.eq(seen[4], t, "table identity")
    T.eq(seen[5], false, "false")
    pool:stop()
end)

T.run()
