-- A small test runner for the binding's tests: each file registers its
-- cases with test(), and run() executes them in order, prints one line per
-- case and exits non-zero when any failed.

local helper = {}

local cases = {}

-- Seconds any wait in a test may take before the test fails; every wait
-- passes a timeout so that a hang fails the test instead of stalling it.
helper.TIMEOUT = 30

function helper.test(name, fn)
    cases[#cases + 1] = {name = name, fn = fn}
end

local function describe(value)
    if type(value) == "string" then
        return string.format("%q", value)
    end
    return tostring(value)
end

function helper.eq(actual, expected, what)
    if actual ~= expected then
        error(string.format("%s: expected %s, got %s", what or "value",
                            describe(expected), describe(actual)), 2)
    end
end

function helper.ok(value, what)
    if not value then
        error((what or "condition") .. " is false", 2)
    end
    return value
end

-- Call fn and return the error it raises; fail when it raises none.
function helper.raises(fn, what)
    local ok, err = pcall(fn)
    if ok then
        error((what or "call") .. " raised no error", 2)
    end
    return err
end

-- Check that a string error contains `pattern` (plain text).
function helper.contains(text, pattern, what)
    text = tostring(text)
    if not text:find(pattern, 1, true) then
        error(string.format("%s: %q does not contain %q", what or "text",
                            text, pattern), 2)
    end
end

-- Return the current Lua version as a number: 5.1, 5.3 or 5.4.
function helper.lua_version()
    return tonumber(_VERSION:match("%d+%.%d+"))
end

function helper.run()
    local failed = 0
    for _, case in ipairs(cases) do
        local ok, err = xpcall(case.fn, debug.traceback)
        if ok then
            print("ok - " .. case.name)
        else
            failed = failed + 1
            print("not ok - " .. case.name .. ": " .. tostring(err))
        end
    end
    print(string.format("%d of %d cases passed", #cases - failed, #cases))
    io.stdout:flush()
    -- Close the state too, so every run also exercises lua_close() with
    -- pools still alive.
    os.exit(failed == 0 and 0 or 1, true)
end

return helper
