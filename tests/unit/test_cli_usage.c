/* The commands' help (src/cli/usage.c): which arguments ask for it, and the
 * text `cordon help CMD` prints. */
#include "check.h"
#include "util.h"

#include "../../src/cli/usage.h"

#include <stdlib.h>

static bool asked(char *const *argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	return cli_usage_asked(argc, argv);
}

static void test_asked(void)
{
	CHECK(asked((char *const[]){"remove", "--help", NULL}));
	CHECK(asked((char *const[]){"remove", "foo", "-h", NULL}));
	CHECK(asked((char *const[]){"install", "--dangerous", "./a", "--help", NULL}));
	CHECK(!asked((char *const[]){"remove", "foo", NULL}));
	CHECK(!asked((char *const[]){"remove", NULL}));
	/* "--" ends the options: what follows is an argument */
	CHECK(!asked((char *const[]){"get", "snap", "--", "--help", NULL}));
	/* run: everything after the app's name is the app's */
	CHECK(asked((char *const[]){"run", "--help", NULL}));
	CHECK(asked((char *const[]){"run", "--pty", "-h", NULL}));
	CHECK(!asked((char *const[]){"run", "foo.bar", "--help", NULL}));
	CHECK(!asked((char *const[]){"run", "--shell", "foo.bar", "-h", NULL}));
	/* only the exact words: a value or a grouped flag is no request */
	CHECK(!asked((char *const[]){"set", "snap", "a=--help", NULL}));
	CHECK(!asked((char *const[]){"remove", "--helpme", NULL}));
}

static void test_format(void)
{
	char *t = cli_usage_format("remove", "remove NAME");
	CHECK(
	    str_has_prefix(t, "Usage:\n  cordon remove [--purge] <snap>...\n\nThe remove command"));
	CHECK(strstr(t, "\n[remove command options]\n  --purge ") != NULL);
	free(t);
	/* no options section where the command has none */
	t = cli_usage_format("validate", NULL);
	CHECK(strstr(t, "command options") == NULL);
	free(t);
	/* a command of the table without an entry: its synopsis */
	t = cli_usage_format("newcmd", "newcmd ARG");
	CHECK_STR(t, "Usage:\n  cordon newcmd ARG\n");
	free(t);
	CHECK(cli_usage_find("nope") == NULL);
	CHECK_STR(cli_usage_find("info")->synopsis, "info [--verbose] <snap>");
}

/* every entry complete: a summary, a description ending in a newline, and
 * options (where given) as lines starting with "  -" */
static void test_entries(void)
{
	const char *names[] = {"install",    "remove",	   "revert",	"list",	       "info",
			       "run",	     "validate",   "pack",	"connections", "connect",
			       "disconnect", "interfaces", "interface", "services",    "start",
			       "stop",	     "restart",	   "logs",	"debug",       "get",
			       "set",	     "unset",	   "help",	"version"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const cli_usage *u = cli_usage_find(names[i]);
		CHECK(u != NULL);
		if (u == NULL)
			continue;
		CHECK(str_has_prefix(u->synopsis, names[i]));
		CHECK(u->summary[0] != '\0');
		CHECK(str_has_suffix(u->description, "\n"));
		CHECK(u->options == NULL || str_has_prefix(u->options, "  -"));
	}
}

int main(void)
{
	test_asked();
	test_format();
	test_entries();
	return check_done("cli_usage");
}
