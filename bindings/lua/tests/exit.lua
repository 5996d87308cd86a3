-- A script that ends while tasks still run exits, in bounded time.  Each
-- case runs a child interpreter under timeout(1) and checks its status.
local T = require "helper"

local interpreter = arg[-1]
local limit = 30

-- Run `source` in a child interpreter; return its exit status (124 when
-- timeout(1) had to kill it).
local function run_child(source)
    local path = os.tmpname()
    local file = assert(io.open(path, "w"))
    file:write(source)
    file:close()
    local command = string.format("timeout %d %s %s >/dev/null 2>&1", limit,
                                  interpreter, path)
    local a, _, c = os.execute(command)
    os.remove(path)
    if type(a) == "number" then
        -- Lua 5.1 returns the wait status.
        return a >= 256 and math.floor(a / 256) or a
    end
    return c
end

local prologue = [[
local probe = require "probe"

-- LuaJIT runs no hooks in compiled code, so the loops below would keep
-- the state lock; with the compiler off they behave as in PUC Lua.
if jit then
    jit.off()
end
local pool = probe.Pool {size = 2}
local started = probe.Context()
]]

T.test("exit with a task waiting forever", function()
    T.eq(run_child(prologue .. [[
        pool:run(function() started:cancel(); probe.Context():wait() end)
        started:wait()
    ]]), 0, "exit status")
end)

T.test("exit with a task looping in Lua", function()
    T.eq(run_child(prologue .. [[
        pool:run(function()
            started:cancel()
            local x = 0
            while true do x = x + 1 end
        end)
        started:wait()
    ]]), 0, "exit status")
end)

T.test("exit with queued tasks", function()
    T.eq(run_child(prologue .. [[
        for _ = 1, 50 do
            pool:run(function() started:cancel(); probe.sleep(0.01) end)
        end
        started:wait()
    ]]), 0, "exit status")
end)

T.test("error exit with tasks running", function()
    T.eq(run_child(prologue .. [[
        pool:run(function() started:cancel(); probe.Context():wait() end)
        started:wait()
        error("the script fails on purpose")
    ]]), 1, "exit status")
end)

T.test("os.exit with tasks running", function()
    T.eq(run_child(prologue .. [[
        for _ = 1, 2 do
            pool:run(function()
                started:cancel()
                while true do probe.sleep(0.001) end
            end)
        end
        started:wait()
        os.exit(3)
    ]]), 3, "exit status")
end)

T.test("exit with a logger and a deadline", function()
    -- The deadline fires about when the state closes; the logger must
    -- not wait for a lock that no thread will release.
    T.eq(run_child([[
        local probe = require "probe"
        local ctx = probe.Context {timeout = 0.05}
        local started = probe.Context()
        local pool = probe.Pool {size = 2, context = ctx,
                                 log_level = "debug",
                                 logger = function() end}
        pool:run(function()
            started:cancel()
            probe.current_context():wait()
        end)
        started:wait()
    ]]), 0, "exit status")
end)

T.run()
