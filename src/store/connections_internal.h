/* Shared by connections.c and connections_view.c. */
#pragma once
#include "context.h"

#include <stdbool.h>

/* "", "system", "core" or "snapd": the system's implicit slots. */
bool conn_is_system(const char *snap);
