/* Attributes of plugs and slots against an interface's definition. Pure. */
#pragma once
#include "definitions.h"
#include "error.h"
#include "manifest.h"

#include <stdbool.h>

/* Check the port's attributes against the definition's specs for its side
 * (types, patterns, required ones); the message names the snap and port. */
int cordon_check_attrs(const cordon_def *def, const cordon_port *port, bool plug, const char *snap,
		       cordon_error **err);

/* The port's attribute of that name, or NULL. */
const cordon_attr *cordon_port_attr(const cordon_port *p, const char *name);

/* A content port's `content` value: the attribute, else the port's name
 * (snapd's rule). */
const char *cordon_port_content(const cordon_port *p);

/* Is the port bound to the app (app != NULL) or else the hook? */
bool cordon_port_bound(const cordon_port *p, const char *app, const char *hook);
