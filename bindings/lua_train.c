/* Placeholder: this area's bindings are not written yet. */
#include "ember_modules.h"
#include "lua_layer.h"

void ember_open_train(lua_State *L) { (void)L; }
