# Lua binding: not built yet.
probe_lua_summary=no
AM_CONDITIONAL([WITH_LUA], [false])
