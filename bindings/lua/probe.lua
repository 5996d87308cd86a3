-- probe: reusable worker threads for Lua.
--
-- The interface scripts load with require "probe": contexts, pools,
-- probes, groups and futures as objects over the raw SWIG module
-- probe_core.  README.md beside this file describes the threading model.
--
-- Errors: a bad argument raises a string error naming the argument.  A
-- failed C call raises a probe.Error (fields code, name, message;
-- tostring() gives the message).  A timeout or a full queue is an outcome,
-- not a failure: those calls return false and "timed out" or "full".

local core = require "probe_core"

local probe = {}

probe.version = core.probe_version()

-- ---------------------------------------------------------------------
-- Errors
-- ---------------------------------------------------------------------

local error_names = {}
for _, name in ipairs {"ERROR", "EINVAL", "ENOMEM", "ESTOPPED",
                       "ECANCELED", "EFULL", "ETIMEDOUT", "EDEADLK",
                       "ETHREAD", "EFORKED", "EINIT", "EBUSY"} do
    error_names[core["PROBE_" .. name]] = name
end

local Error = {}
Error.__index = Error
Error.__tostring = function(e) return e.message end
probe.Error = Error

-- Return true when value is an error raised by this module.
function probe.is_error(value)
    return getmetatable(value) == Error
end

-- Raise the probe.Error for C code `code` returned by call `what`.
local function raise(code, what)
    local message = what .. ": " .. core.probe_strerror(code)
    if core.probe_last_error() == code then
        message = message .. " (" .. core.probe_last_message() .. ")"
    end
    error(setmetatable({code = code, name = error_names[code] or "ERROR",
                        message = message}, Error), 0)
end

-- Raise for any code but PROBE_OK; return true otherwise.
local function check(code, what)
    if code ~= core.PROBE_OK then
        raise(code, what)
    end
    return true
end

-- Return true, false and "timed out", or raise for another code.
local function outcome(code, what)
    if code == core.PROBE_ETIMEDOUT then
        return false, "timed out"
    end
    return check(code, what)
end

-- ---------------------------------------------------------------------
-- Argument checks
-- ---------------------------------------------------------------------

local function arg_error(what, message)
    error(what .. ": " .. message, 3)
end

-- Convert a timeout in seconds (nil: forever) to milliseconds.
local function to_ms(seconds, what)
    if seconds == nil then
        return core.PROBE_FOREVER
    end
    if type(seconds) ~= "number" or seconds ~= seconds or seconds < 0 then
        arg_error(what, "the timeout must be a number of seconds >= 0 or "
                  .. "nil, not " .. tostring(seconds))
    end
    if seconds == math.huge then
        return core.PROBE_FOREVER
    end
    -- Round up, so a short positive timeout does not become a poll.
    return math.ceil(seconds * 1000)
end

local function check_function(fn, what)
    if type(fn) ~= "function" then
        arg_error(what, "expected a function, got " .. type(fn))
    end
end

local function check_options(options, known, what)
    if options == nil then
        return {}
    end
    if type(options) ~= "table" then
        arg_error(what, "expected a table of options, got " .. type(options))
    end
    for key in pairs(options) do
        if not known[key] then
            arg_error(what, "unknown option '" .. tostring(key) .. "'")
        end
    end
    return options
end

local function check_integer(value, name, what)
    if value ~= nil and (type(value) ~= "number" or value % 1 ~= 0) then
        arg_error(what, name .. " must be a whole number, not "
                  .. tostring(value))
    end
    return value
end

-- ---------------------------------------------------------------------
-- Contexts
-- ---------------------------------------------------------------------

local Context = {}
Context.__index = Context
probe.ContextClass = Context

-- Every handle is followed by core.mark_close(): see state_lock.c.
local function wrap_context(handle, what)
    if handle == nil then
        raise(core.probe_last_error(), what)
    end
    core.mark_close()
    return setmetatable({handle = handle}, Context)
end

local context_options = {parent = true, timeout = true}

-- Create a context: probe.Context() is a root; probe.Context{parent = ctx}
-- a child; probe.Context{timeout = seconds} is cancelled by a deadline.
function probe.Context(options)
    options = check_options(options, context_options, "probe.Context")
    local parent = options.parent
    if parent ~= nil and getmetatable(parent) ~= Context then
        arg_error("probe.Context", "parent must be a probe.Context")
    end
    local parent_handle = parent and parent.handle
    if options.timeout ~= nil then
        local ms = to_ms(options.timeout, "probe.Context")
        return wrap_context(core.probe_ctx_new_timeout(parent_handle, ms),
                            "probe.Context")
    end
    if parent_handle ~= nil then
        return wrap_context(core.probe_ctx_new_child(parent_handle),
                            "probe.Context")
    end
    return wrap_context(core.probe_ctx_new(), "probe.Context")
end

-- Create a child, cancelled with this context; options.timeout adds a
-- deadline.
function Context:child(options)
    options = check_options(options, {timeout = true}, "ctx:child")
    return probe.Context {parent = self, timeout = options.timeout}
end

function Context:cancel()
    return check(core.probe_ctx_cancel(self.handle), "ctx:cancel")
end

function Context:done()
    return core.probe_ctx_done(self.handle) == 1
end

-- Return nil while the context runs, else "cancelled" or "timed out".
function Context:err()
    local code = core.probe_ctx_err(self.handle)
    if code == core.PROBE_OK then
        return nil
    elseif code == core.PROBE_ETIMEDOUT then
        return "timed out"
    end
    return "cancelled"
end

-- Wait until the context is cancelled (true) or `seconds` pass (false).
function Context:wait(seconds)
    local code = core.probe_ctx_wait(self.handle, to_ms(seconds, "ctx:wait"))
    if code == core.PROBE_ETIMEDOUT then
        return false
    end
    return check(code, "ctx:wait")
end

-- Return a descriptor that becomes readable once the context is done.
function Context:fd()
    local fd = core.probe_ctx_fd(self.handle)
    if fd < 0 then
        raise(fd, "ctx:fd")
    end
    return fd
end

-- Return the context of the running task, or nil outside a task.
function probe.current_context()
    local handle = core.probe_lua_current_ctx()
    return handle and wrap_context(handle, "probe.current_context")
end

-- Return the ID of the worker running the caller, or nil.
function probe.current_id()
    return core.probe_current_id()
end

-- Sleep `seconds`, letting workers run Lua code meanwhile.
function probe.sleep(seconds)
    local ms = to_ms(seconds, "probe.sleep")
    if ms < 0 then
        arg_error("probe.sleep", "cannot sleep forever")
    end
    core.sleep(ms)
end

-- ---------------------------------------------------------------------
-- Pools and probes
-- ---------------------------------------------------------------------

local log_levels = {
    debug = core.PROBE_LOG_DEBUG, info = core.PROBE_LOG_INFO,
    warn = core.PROBE_LOG_WARN, error = core.PROBE_LOG_ERROR,
}

local stop_modes = {
    drain = core.PROBE_DRAIN, keep = core.PROBE_KEEP,
    discard = core.PROBE_DISCARD,
}

local numeric_options = {
    size = core.PROBE_OPT_SIZE,
    buffer = core.PROBE_OPT_BUFFER,
    min_size = core.PROBE_OPT_MIN_SIZE,
    stack_size = core.PROBE_OPT_STACK_SIZE,
}

local handle_options = {
    size = true, buffer = true, min_size = true, stack_size = true,
    idle_timeout = true, context = true, logger = true, log_level = true,
    name = true,
}

local function set_option(config, option, value, name, what)
    if core.probe_config_set(config, option, value) ~= core.PROBE_OK then
        arg_error(what, string.format("%s = %s is out of range [%d, %d]",
                  name, tostring(value),
                  core.probe_lua_option_bound(option, 0),
                  core.probe_lua_option_bound(option, 1)))
    end
end

-- Build a probe_config from constructor options.
local function make_config(options, what)
    local config = core.probe_config_new()
    for name, option in pairs(numeric_options) do
        local value = check_integer(options[name], name, what)
        if value ~= nil then
            set_option(config, option, value, name, what)
        end
    end
    if options.idle_timeout ~= nil then
        set_option(config, core.PROBE_OPT_IDLE_TIMEOUT_MS,
                   to_ms(options.idle_timeout, what), "idle_timeout", what)
    end
    if options.context ~= nil then
        if getmetatable(options.context) ~= Context then
            arg_error(what, "context must be a probe.Context")
        end
        core.probe_config_set_ctx(config, options.context.handle)
    end
    if options.name ~= nil and
       core.probe_config_set_name(config, tostring(options.name))
           ~= core.PROBE_OK then
        arg_error(what, "name must be 1 to 15 characters, not '"
                  .. tostring(options.name) .. "'")
    end
    if options.logger ~= nil then
        check_function(options.logger, what .. ": logger")
    end
    if options.log_level ~= nil and not log_levels[options.log_level] then
        arg_error(what, "log_level must be debug, info, warn or error, not "
                  .. tostring(options.log_level))
    end
    return config
end

local Pool = {}
Pool.__index = Pool
probe.PoolClass = Pool

local Probe = {}
Probe.__index = Probe
probe.ProbeClass = Probe

local function new_handle(class, options, is_probe, what)
    options = check_options(options, handle_options, what)
    if is_probe and options.size ~= nil and options.size ~= 1 then
        arg_error(what, "a probe has one worker; use probe.Pool for more")
    end
    local config = make_config(options, what)
    local handle, owner, message = core.pool_create(
        config, is_probe, options.logger,
        log_levels[options.log_level or "info"])
    if handle == nil then
        raise(owner, what)
    end
    return setmetatable({handle = handle, owner = owner,
                         is_probe = is_probe}, class)
end

-- Create a pool: probe.Pool{size = 4, buffer = 64, context = ctx,
-- logger = fn, log_level = "info", min_size = 0, idle_timeout = seconds,
-- name = "probe", stack_size = bytes}.
function probe.Pool(options)
    return new_handle(Pool, options, false, "probe.Pool")
end

-- Create a probe, one worker thread: probe.Probe{buffer = 0, context =
-- ctx, logger = fn, log_level = "info", name = "probe", stack_size =
-- bytes}.  Without a buffer, run() waits until the worker takes the task.
function probe.Probe(options)
    return new_handle(Probe, options, true, "probe.Probe")
end

-- Methods shared by pools and probes.
local function add_common(class, prefix)
    local c_stop = core[prefix .. "_stop"]
    local c_start = core[prefix .. "_start"]
    local c_id = core[prefix .. "_id"]

    -- Queue fn(...), blocking while the queue is full.
    function class:run(fn, ...)
        check_function(fn, prefix .. ":run")
        return check(core.task_run(self.owner, 0, nil, fn, ...),
                     prefix .. ":run")
    end

    -- Queue fn(...) unless the queue is full: true, or false and "full".
    function class:try_run(fn, ...)
        check_function(fn, prefix .. ":try_run")
        local code = core.task_run(self.owner, 1, nil, fn, ...)
        if code == core.PROBE_EFULL then
            return false, "full"
        end
        return check(code, prefix .. ":try_run")
    end

    -- Stop: options.mode is "drain" (default), "keep" or "discard";
    -- options.wait (default true) waits for the workers to exit;
    -- options.timeout (seconds, pools only) bounds that wait and returns
    -- false and "timed out" when it expires.
    function class:stop(options)
        local what = prefix .. ":stop"
        options = check_options(options, {mode = true, wait = true,
                                          timeout = true}, what)
        local mode = stop_modes[options.mode or "drain"]
        if mode == nil then
            arg_error(what, "mode must be drain, keep or discard, not "
                      .. tostring(options.mode))
        end
        if options.timeout ~= nil then
            if self.is_probe then
                arg_error(what, "a probe's stop takes no timeout")
            end
            if options.wait == false then
                arg_error(what, "timeout needs wait = true")
            end
            return outcome(core.pool_stop_timed(
                self.handle, mode, to_ms(options.timeout, what)), what)
        end
        local wait = options.wait == false and core.PROBE_NOWAIT
                                           or core.PROBE_WAIT
        return check(c_stop(self.handle, mode, wait), what)
    end

    -- Start again after a stop; tasks kept by mode = "keep" run.
    function class:start()
        return check(c_start(self.handle), prefix .. ":start")
    end

    function class:id()
        return c_id(self.handle)
    end

    -- Stop, draining the queue, and wait: the <close> of Lua 5.4.
    function class:close()
        return self:stop {mode = "drain", wait = true}
    end
    class.__close = class.close

    class.__tostring = function(self)
        return prefix .. " " .. tostring(c_id(self.handle))
    end
end

add_common(Pool, "pool")
add_common(Probe, "probe")

-- Queue fn(...), giving up after `seconds`: true, or false and
-- "timed out".
function Pool:run_timed(seconds, fn, ...)
    local ms = to_ms(seconds, "pool:run_timed")
    check_function(fn, "pool:run_timed")
    return outcome(core.task_run(self.owner, 2, ms, fn, ...),
                   "pool:run_timed")
end

-- Wait until every task submitted so far has finished: true, or false
-- and "timed out".
function Pool:wait(seconds)
    return outcome(core.pool_wait(self.handle, to_ms(seconds, "pool:wait")),
                   "pool:wait")
end

-- Change the number of workers.
function Pool:resize(size)
    if type(size) ~= "number" or size % 1 ~= 0 or size < 1 then
        arg_error("pool:resize", "size must be a whole number >= 1, not "
                  .. tostring(size))
    end
    return check(core.pool_resize(self.handle, size), "pool:resize")
end

-- Return the configured number of workers.
function Pool:size()
    return core.pool_size(self.handle)
end

-- Return the number of live worker threads.
function Pool:running()
    return core.pool_running(self.handle)
end

-- Return the number of live workers not running a task.
function Pool:idle()
    return core.pool_idle(self.handle)
end

-- Return a table of counters: submitted, completed, failed, rejected,
-- discarded, cancelled, queued, active, workers, idle, peak_queued.
function Pool:metrics()
    return core.metrics(self.handle)
end

function Probe:running()
    return core.probe_running(self.handle) == 1
end

function Probe:idle()
    return core.probe_idle(self.handle) == 1
end

-- ---------------------------------------------------------------------
-- Groups
-- ---------------------------------------------------------------------

local Group = {}
Group.__index = Group
probe.GroupClass = Group

-- Create a group of tasks waited for together; options.cancel_on_error
-- makes the first failed task cancel the tasks not yet started.
function Pool:group(options)
    options = check_options(options, {cancel_on_error = true}, "pool:group")
    local flags = options.cancel_on_error and
                  core.PROBE_GROUP_CANCEL_ON_ERROR or 0
    local handle = core.pool_group_new(self.handle, flags)
    if handle == nil then
        raise(core.probe_last_error(), "pool:group")
    end
    core.mark_close()
    return setmetatable({handle = handle, pool = self}, Group)
end

function Group:run(fn, ...)
    check_function(fn, "group:run")
    return check(core.group_run(self.pool.owner, self.handle, fn, ...),
                 "group:run")
end

-- Wait for every task of the group: true, or false and "timed out".
function Group:wait(seconds)
    return outcome(core.probe_group_wait(self.handle,
                                         to_ms(seconds, "group:wait")),
                   "group:wait")
end

-- Return true when a task of the group raised an error, else false.
function Group:failed()
    return core.probe_group_error(self.handle) ~= 0
end

function Group:cancel()
    return check(core.probe_group_cancel(self.handle), "group:cancel")
end

-- Return the group's context, cancelled with the group.
function Group:context()
    return wrap_context(core.probe_lua_group_ctx(self.handle),
                        "group:context")
end

-- ---------------------------------------------------------------------
-- Futures
-- ---------------------------------------------------------------------

local Future = {}
Future.__index = Future
probe.FutureClass = Future

local future_status = {
    [core.PROBE_FUTURE_QUEUED] = "queued",
    [core.PROBE_FUTURE_RUNNING] = "running",
    [core.PROBE_FUTURE_DONE] = "done",
    [core.PROBE_FUTURE_CANCELLED] = "cancelled",
    [core.PROBE_FUTURE_DISCARDED] = "discarded",
}

-- Queue fn(...) and return a future of its results.
function Pool:submit(fn, ...)
    check_function(fn, "pool:submit")
    local handle, box = core.submit(self.owner, fn, ...)
    if handle == nil then
        raise(box, "pool:submit")
    end
    return setmetatable({handle = handle, box = box, pool = self}, Future)
end

-- Wait until the call finished or will never run: true, or false and
-- "timed out".
function Future:wait(seconds)
    return outcome(core.probe_future_wait(self.handle,
                                          to_ms(seconds, "future:wait")),
                   "future:wait")
end

-- Return "queued", "running", "done", "cancelled" or "discarded".
function Future:status()
    return future_status[core.probe_future_status_of(self.handle)]
end

-- Cancel a call that has not started: true, or false once it runs.
function Future:cancel()
    local code = core.probe_future_cancel(self.handle)
    if code == core.PROBE_EBUSY then
        return false
    end
    return check(code, "future:cancel")
end

-- Return the values after a future's `ok` flag, or raise its error.
local function unpack_results(ok, ...)
    if not ok then
        error(setmetatable({name = "TASK", message = (...)}, Error), 0)
    end
    return ...
end

-- Wait up to `seconds` (nil: forever) and return the call's results.
-- Raises the call's error (a probe.Error named "TASK" whose message has
-- the traceback), ETIMEDOUT, or ECANCELED for a cancelled or discarded
-- call.
function Future:result(seconds)
    if not self:wait(seconds) then
        raise(core.PROBE_ETIMEDOUT, "future:result")
    end
    local status = self:status()
    if status ~= "done" then
        error(setmetatable({code = core.PROBE_ECANCELED, name = "ECANCELED",
                            message = "future:result: the call was "
                                      .. status}, Error), 0)
    end
    return unpack_results(core.future_values(self.box))
end

-- ---------------------------------------------------------------------
-- Diagnostics
-- ---------------------------------------------------------------------

-- Return seconds on a monotonic clock, for measuring intervals.
probe.monotonic = core.monotonic

-- Return how often two threads were inside the state at once (0 unless
-- the binding is broken) and how often the switch hook handed the state
-- lock to a waiting thread.
function probe.lock_stats()
    return core.lock_stats()
end

return probe
