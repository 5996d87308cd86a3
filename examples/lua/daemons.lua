-- Four daemon loops on a pool, each ticking at its own period until the
-- pool's context is cancelled: by a deadline, or by the main script once
-- the daemons ticked a given number of times in total.
--
--   lua5.4 daemons.lua [--seconds N | --ticks N]
--
-- The default is --seconds 3.
local probe = require "probe"

local function usage()
    io.stderr:write("usage: daemons.lua [--seconds N | --ticks N]\n")
    os.exit(2)
end

local seconds, ticks_limit
local i = 1
while i <= #arg do
    local value = tonumber(arg[i + 1])
    if arg[i] == "--seconds" and value and value > 0 then
        seconds = value
    elseif arg[i] == "--ticks" and value and value > 0 then
        ticks_limit = value
    else
        usage()
    end
    i = i + 2
end
if seconds == nil and ticks_limit == nil then
    seconds = 3
end

local ctx = seconds and probe.Context {timeout = seconds} or probe.Context()
local daemons = {
    {name = "fast", period = 0.25, ticks = 0},
    {name = "medium", period = 0.5, ticks = 0},
    {name = "slow", period = 1, ticks = 0},
    {name = "slowest", period = 2, ticks = 0},
}

-- Wait one period at a time; a cancellation ends the wait at once.  The
-- wait releases the state lock, so the four loops and the main script
-- take turns in the one Lua state.
local function daemon_loop(d, total)
    local mine = probe.current_context()
    while not mine:wait(d.period) do
        d.ticks = d.ticks + 1
        total[d.name] = d.ticks
        print(string.format("%-8s tick %d on probe %s", d.name, d.ticks,
                            probe.current_id()))
        io.stdout:flush()
    end
end

local pool = probe.Pool {
    size = 4,
    context = ctx,
    logger = function(level, message, attrs)
        io.stderr:write(string.format("%s %s source=%s id=%s\n", level,
                                      message, attrs.source, attrs.id))
    end,
}

local total = {}
for _, d in ipairs(daemons) do
    pool:run(daemon_loop, d, total)
end
print(string.format("4 daemons on %s; stopping after %s", tostring(pool),
                    seconds and (seconds .. " s") or (ticks_limit .. " ticks")))
io.stdout:flush()

-- The main script waits on the context, a tenth of a second at a time,
-- and counts the ticks so far when a tick limit was given.
while not ctx:wait(0.1) do
    if ticks_limit then
        local sum = 0
        for _, count in pairs(total) do
            sum = sum + count
        end
        if sum >= ticks_limit then
            print(string.format("%d ticks reached, cancelling", sum))
            ctx:cancel()
        end
    end
end

pool:stop {mode = "drain", wait = true}
for _, d in ipairs(daemons) do
    print(string.format("%-8s %d ticks", d.name, d.ticks))
end
