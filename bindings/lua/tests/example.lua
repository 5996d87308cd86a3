-- examples/lua/daemons.lua runs to the end both ways it can be stopped.
local T = require "helper"

local interpreter = arg[-1]
local script = (os.getenv("srcdir") or ".") .. "/examples/lua/daemons.lua"

-- Run the example with `options`; return its exit status and output.  The
-- shell prints the status, since Lua 5.1's pipe:close() does not return it.
local function run_example(options)
    local pipe = assert(io.popen(string.format(
        "timeout 60 %s %s %s 2>&1; echo \"exit status $?\"", interpreter,
        script, options)))
    local output = pipe:read("*a")
    pipe:close()
    return tonumber(output:match("exit status (%d+)%s*$")), output
end

T.test("daemons stop after ticks", function()
    local status, output = run_example("--ticks 3")
    T.eq(status, 0, "exit status")
    T.contains(output, "ticks reached, cancelling", "cancel message")
    T.contains(output, "fast     ", "fast daemon summary")
    T.contains(output, "info started with 4 workers", "logger output")
end)

T.test("daemons stop at deadline", function()
    local status, output = run_example("--seconds 0.6")
    T.eq(status, 0, "exit status")
    T.contains(output, "fast     tick 1", "a tick")
    T.contains(output, "slowest  0 ticks", "slowest summary")
end)

T.test("daemons reject bad options", function()
    local status, output = run_example("--minutes 2")
    T.eq(status, 2, "exit status")
    T.contains(output, "usage: daemons.lua", "usage")
end)

T.run()
