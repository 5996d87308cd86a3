-- Drive libprobe.so.0 through LuaJIT's ffi alone: a pool under a context,
-- the built-in text log handler, libc functions as tasks, and a discard
-- callback written in Lua.
--
-- A LuaJIT callback must not run on another OS thread, so the tasks are
-- C functions (sem_wait, sem_post and probe_ctx_cancel all have the task
-- signature int (*)(void *)) and the log handler is probe_log_text.  The
-- discard callback runs on the thread that stops the pool, which is this
-- one.  Every wait is bounded.
--
-- Usage: luajit ffi_pool.lua LIBRARY

local ffi = require("ffi")

ffi.cdef [[
typedef struct probe_ctx probe_ctx;
typedef struct probe_config probe_config;
typedef struct pool pool;
typedef struct probe_log_record probe_log_record;
typedef int (*probe_task_fn)(void *arg);
typedef void (*probe_discard_fn)(probe_task_fn fn, void *arg, void *payload);
typedef void (*probe_log_fn)(const probe_log_record *record, void *payload);

const char *probe_version(void);
const char *probe_last_message(void);
int probe_last_error(void);
probe_ctx *probe_ctx_new(void);
int probe_ctx_cancel(probe_ctx *ctx);
int probe_ctx_wait(probe_ctx *ctx, long timeout_ms);
int probe_ctx_err(const probe_ctx *ctx);
void probe_ctx_free(probe_ctx *ctx);
probe_config *probe_config_new(void);
void probe_config_free(probe_config *config);
int probe_config_set(probe_config *config, int option, long long value);
int probe_config_set_ctx(probe_config *config, probe_ctx *ctx);
int probe_config_set_log(probe_config *config, int min_level,
                         probe_log_fn fn, void *payload);
int probe_config_set_discard(probe_config *config, probe_discard_fn fn,
                             void *payload);
void probe_log_text(const probe_log_record *record, void *payload);
pool *pool_new(const probe_config *config);
int pool_run(pool *pl, probe_task_fn fn, void *arg);
int pool_wait(pool *pl, long timeout_ms);
int pool_stop(pool *pl, int mode, int wait);
int pool_metrics(const pool *pl, uint64_t *out, size_t count);
void pool_free(pool *pl);

typedef union { char size[32]; long align; } sem_t;
int sem_init(sem_t *sem, int pshared, unsigned int value);
int sem_wait(sem_t *sem);
int sem_post(sem_t *sem);
int sem_getvalue(sem_t *sem, int *value);
int sem_destroy(sem_t *sem);
typedef struct FILE FILE;
FILE *tmpfile(void);
int fclose(FILE *stream);
int fflush(FILE *stream);
void rewind(FILE *stream);
size_t fread(void *buffer, size_t size, size_t count, FILE *stream);
]]

local PROBE_OK, PROBE_EINVAL = 0, -2
local PROBE_OPT_SIZE, PROBE_OPT_BUFFER = 1, 2
local PROBE_LOG_DEBUG = 10
local PROBE_DRAIN, PROBE_DISCARD = 1, 3
local PROBE_NOWAIT, PROBE_WAIT = 0, 1
local PROBE_METRIC_COMPLETED, PROBE_METRIC_DISCARDED = 1, 4
local PROBE_METRIC_COUNT = 11
local WAIT_LIMIT_MS = 10000

local path = arg[1]
if path == nil then
    io.stderr:write("usage: luajit ffi_pool.lua LIBRARY\n")
    os.exit(99)
end
local ok, lib = pcall(ffi.load, path)
if not ok then
    io.stderr:write("ffi_pool: cannot load " .. path .. ": " .. lib .. "\n")
    os.exit(99)
end

local failures = 0
local function check(condition, what)
    if not condition then
        failures = failures + 1
        io.stderr:write("ffi_pool: FAIL: " .. what .. "\n")
    end
end

local task_wait = ffi.cast("probe_task_fn", ffi.C.sem_wait)
local task_post = ffi.cast("probe_task_fn", ffi.C.sem_post)
local task_cancel = ffi.cast("probe_task_fn", lib.probe_ctx_cancel)

local discarded = {}
local on_discard = ffi.cast("probe_discard_fn", function(fn, arg, payload)
    discarded[#discarded + 1] = arg
end)

local function metrics(pl)
    local values = ffi.new("uint64_t[?]", PROBE_METRIC_COUNT)
    check(lib.pool_metrics(pl, values, PROBE_METRIC_COUNT) ==
          PROBE_METRIC_COUNT, "pool_metrics")
    return values
end

local function new_pool(ctx, size, log)
    local config = lib.probe_config_new()
    check(config ~= nil, "probe_config_new")
    check(lib.probe_config_set(config, PROBE_OPT_SIZE, size) == PROBE_OK,
          "set PROBE_OPT_SIZE")
    check(lib.probe_config_set(config, PROBE_OPT_BUFFER, 32) == PROBE_OK,
          "set PROBE_OPT_BUFFER")
    check(lib.probe_config_set_ctx(config, ctx) == PROBE_OK, "set ctx")
    if log ~= nil then
        check(lib.probe_config_set_log(config, PROBE_LOG_DEBUG,
                                       lib.probe_log_text, log) == PROBE_OK,
              "set log")
    end
    check(lib.probe_config_set_discard(config, on_discard, nil) == PROBE_OK,
          "set discard")
    local pl = lib.pool_new(config)
    lib.probe_config_free(config)
    check(pl ~= nil, "pool_new: " .. ffi.string(lib.probe_last_message()))
    return pl
end

local function read_all(file)
    ffi.C.fflush(file)
    ffi.C.rewind(file)
    local buffer = ffi.new("char[65536]")
    local length = ffi.C.fread(buffer, 1, 65536, file)
    return ffi.string(buffer, length)
end

-- Tasks on four workers post a semaphore whose count this thread reads,
-- then a task cancels the pool's context.
local function test_tasks_and_log()
    local log = ffi.C.tmpfile()
    local ctx = lib.probe_ctx_new()
    local pl = new_pool(ctx, 4, log)
    local done = ffi.new("sem_t")
    check(ffi.C.sem_init(done, 0, 0) == 0, "sem_init")
    for _ = 1, 100 do
        check(lib.pool_run(pl, task_post, done) == PROBE_OK, "pool_run")
    end
    check(lib.pool_wait(pl, WAIT_LIMIT_MS) == PROBE_OK, "pool_wait")
    local posted = ffi.new("int[1]")
    check(ffi.C.sem_getvalue(done, posted) == 0, "sem_getvalue")
    check(posted[0] == 100, "100 posts seen, got " .. posted[0])
    check(tonumber(metrics(pl)[PROBE_METRIC_COMPLETED]) == 100,
          "100 completed")

    check(lib.pool_run(pl, task_cancel, ctx) == PROBE_OK, "pool_run cancel")
    check(lib.probe_ctx_wait(ctx, WAIT_LIMIT_MS) == PROBE_OK,
          "context cancelled by a task")
    check(lib.pool_stop(pl, PROBE_DRAIN, PROBE_WAIT) == PROBE_OK, "pool_stop")
    lib.pool_free(pl)
    lib.probe_ctx_free(ctx)
    ffi.C.sem_destroy(done)

    local text = read_all(log)
    ffi.C.fclose(log)
    local _, lines = text:gsub("\n", "\n")
    check(lines > 0, "probe_log_text wrote records")
    check(text:find("id=", 1, true) ~= nil, "log lines carry id=")
    print(("ffi_pool: 100 tasks, %d log lines"):format(lines))
end

-- Tasks queued behind a blocked worker reach the Lua discard callback.
local function test_discard()
    local ctx = lib.probe_ctx_new()
    local pl = new_pool(ctx, 1, nil)
    local gate = ffi.new("sem_t")
    check(ffi.C.sem_init(gate, 0, 0) == 0, "sem_init")
    local args = ffi.new("int[5]")
    check(lib.pool_run(pl, task_wait, gate) == PROBE_OK, "pool_run blocker")
    for i = 0, 4 do
        check(lib.pool_run(pl, task_post, args + i) == PROBE_OK,
              "pool_run queued")
    end
    check(lib.pool_stop(pl, PROBE_DISCARD, PROBE_NOWAIT) == PROBE_OK,
          "pool_stop PROBE_DISCARD")
    ffi.C.sem_post(gate)
    check(lib.pool_stop(pl, PROBE_DISCARD, PROBE_WAIT) == PROBE_OK,
          "pool_stop PROBE_WAIT")
    local values = metrics(pl)
    lib.pool_free(pl)
    lib.probe_ctx_free(ctx)
    ffi.C.sem_destroy(gate)

    -- Lua cannot tell when the worker took the blocker, so the stop may
    -- come first and discard it too: 5 or 6 tasks are discarded, and
    -- none of the 5 queued after it ever runs.
    local gate_discarded = 0
    for i = 1, #discarded do
        local address = ffi.cast("char *", discarded[i])
        if address == ffi.cast("char *", gate) then
            gate_discarded = gate_discarded + 1
        else
            local offset = ffi.cast("int *", discarded[i]) - args
            check(offset >= 0 and offset < 5, "discarded argument is ours")
        end
    end
    check(#discarded - gate_discarded == 5,
          "5 queued tasks discarded, got " .. #discarded - gate_discarded)
    check(tonumber(values[PROBE_METRIC_DISCARDED]) == #discarded,
          "discards counted in the metrics")
    print(("ffi_pool: %d tasks discarded"):format(#discarded))
end

print("ffi_pool: probe " .. ffi.string(lib.probe_version()))
check(lib.pool_run(nil, task_post, nil) == PROBE_EINVAL,
      "pool_run on NULL is PROBE_EINVAL")
check(lib.probe_last_error() == PROBE_EINVAL, "probe_last_error")
test_tasks_and_log()
test_discard()
on_discard:free()
os.exit(failures == 0 and 0 or 1)
