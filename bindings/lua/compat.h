/*
 * The few Lua C API differences the binding meets between Lua 5.1
 * (and LuaJIT 2.1), 5.3 and 5.4, covered by one spelling each.
 */
#ifndef PROBE_LUA_COMPAT_H
#define PROBE_LUA_COMPAT_H

#include <lauxlib.h>
#include <lua.h>

#ifndef LUA_OK
#define LUA_OK 0
#endif

#if LUA_VERSION_NUM >= 502
#define probe_lua_rawgetkey(L, key) lua_rawgetp((L), LUA_REGISTRYINDEX, (key))
#define probe_lua_rawsetkey(L, key) lua_rawsetp((L), LUA_REGISTRYINDEX, (key))
#else
#define probe_lua_rawgetkey(L, key)                                       \
    (lua_pushlightuserdata((L), (void *)(key)),                          \
     lua_rawget((L), LUA_REGISTRYINDEX))
/* Value on top: push the key below it, then store. */
#define probe_lua_rawsetkey(L, key)                                       \
    (lua_pushlightuserdata((L), (void *)(key)), lua_insert((L), -2),     \
     lua_rawset((L), LUA_REGISTRYINDEX))
#endif

#if LUA_VERSION_NUM >= 504
#define probe_lua_newuserdata(L, size) lua_newuserdatauv((L), (size), 0)
#else
#define probe_lua_newuserdata(L, size) lua_newuserdata((L), (size))
#endif

#if LUA_VERSION_NUM < 502 && !defined(LUA_JROOT)
/* Lua 5.1 lacks luaL_traceback, so call debug.traceback, which adds the
 * same "stack traceback:" lines.  LuaJIT 2.1 has luaL_traceback, and its
 * luaconf.h defines LUA_JROOT. */
static inline void probe_lua_traceback(lua_State *L, const char *msg)
{
    lua_getglobal(L, "debug");
    lua_getfield(L, -1, "traceback");
    lua_remove(L, -2);
    lua_pushstring(L, msg);
    lua_pushinteger(L, 2);
    if (lua_pcall(L, 2, 1, 0) != LUA_OK || !lua_isstring(L, -1)) {
        lua_pop(L, 1);
        lua_pushstring(L, msg);
    }
}
#else
#define probe_lua_traceback(L, msg) luaL_traceback((L), (L), (msg), 1)
#endif

#endif /* PROBE_LUA_COMPAT_H */
