/* Each command's help text. Kept beside the command table (main.c) rather
 * than in it, so a command added there without an entry here still gets
 * its synopsis (cli_usage_format's fallback). The man page cordon(1)
 * (data/man/cordon.1) says the same at more length. */
#include "usage.h"
#include "util.h"

#include <string.h>

static const cli_usage usages[] = {
    {"install", "install [--dangerous] [--devmode|--classic] [--name=INSTANCE] <path>...",
     "Install snaps on the system",
     "The install command installs each named snap file (a squashfs .snap or a\n"
     "directory holding meta/snap.yaml). A second install of an installed snap is a\n"
     "refresh to a new revision (x1, x2, ...), its data carried over.\n"
     "\n"
     "Several snaps are installed one after the other, each as a change of its\n"
     "own: one that fails leaves the others installed, and the command then\n"
     "fails naming it.\n",
     "  --dangerous       Install the given snap file even if there are no\n"
     "                    pre-acknowledged signatures for it (every install is a\n"
     "                    local one: accepted with or without it)\n"
     "  --devmode         Put snap in development mode (violations are logged\n"
     "                    and allowed)\n"
     "  --classic         Put snap in classic mode and disable security\n"
     "                    confinement\n"
     "  --name=INSTANCE   Install the snap file under the given instance name\n"
     "                    (one snap only)\n"},
    {"remove", "remove [--purge] <snap>...", "Remove snaps from the system",
     "The remove command removes the named snap instances from the system: its\n"
     "services stop, its remove hook runs, its connections go, and all its\n"
     "revisions with their data and the common data directory are removed, as\n"
     "are the users' ~/snap/<snap>.\n"
     "\n"
     "snapd saves a snapshot of the data first unless --purge is given; cordon\n"
     "keeps no snapshots, so every remove is a purge and --purge is accepted for\n"
     "snap's command lines. Several snaps are removed one after the other, each\n"
     "as a change of its own; one not installed is reported and skipped.\n",
     "  --purge    Remove the snap without saving a snapshot of its data\n"},
    {"revert", "revert [--revision=<rev>] <snap>", "Reverts the given snap to the previous state",
     "The revert command reverts the given snap to its state before the latest\n"
     "refresh: the previous revision becomes current again, with the data that was\n"
     "associated with that revision. With --revision, to that kept revision.\n",
     "  --revision=<rev>   Revert to the given revision (as `cordon list --all`\n"
     "                     shows them)\n"},
    {"list", "list [--all]", "List installed snaps",
     "The list command displays a summary of snaps installed in the current\n"
     "system.\n",
     "  --all    Show all revisions\n"},
    {"info", "info [--verbose] <snap>", "Show detailed information about snaps",
     "The info command shows detailed information about an installed snap.\n",
     "  --verbose    Include more details on the snap (expanded notes, base, etc.)\n"},
    {"run",
     "run [--pty] [--shell|--command=<name>] [--strace[=<options>]|--learn] <snap>.<app> "
     "[<args>...]",
     "Run the given snap command",
     "The run command executes the given snap command with its sandbox: the\n"
     "launcher (cordon-confine) builds it and execs the app. Options come before\n"
     "the app's name; everything after it is the app's. `cordon run <snap>` runs\n"
     "the app named like the snap.\n",
     "  --pty                 Run the app on a terminal of its own, relayed\n"
     "  --shell               Run a shell instead of the command\n"
     "  --command=<name>      Run a named command of the app (stop, reload,\n"
     "                        post-stop, shell)\n"
     "  --strace[=<options>]  Run the command under strace, from outside the\n"
     "                        sandbox (options are passed to strace)\n"
     "  --learn               Run with the sandbox's structure, recording instead of\n"
     "                        denying; print the plugs that would allow what it did\n"},
    {"validate", "validate <path>", "Validate a snap file or directory",
     "The validate command checks a snap's metadata as install would, without\n"
     "installing it.\n",
     NULL},
    {"pack", "pack <snap-dir> [<target-dir>]", "Pack the given directory as a snap",
     "The pack command packs the given snap directory as a squashfs .snap named\n"
     "<name>_<version>_<arch>.snap, in the target directory or the current one.\n",
     NULL},
    {"connections", "connections [--all] [<snap>]", "List interface connections",
     "The connections command lists the connections between plugs and slots in\n"
     "the system. With a snap, the connected and unconnected plugs and slots of\n"
     "that snap; with --all, also the unconnected ones of every snap.\n",
     "  --all    Show connected and unconnected plugs and slots\n"},
    {"connect", "connect <snap>:<plug> [<snap>[:<slot>]]", "Connect a plug to a slot",
     "The connect command connects a plug to a slot. Without a slot, the system's\n"
     "slot of the plug's interface, or the only matching one.\n",
     NULL},
    {"disconnect", "disconnect [--forget] <snap>:<plug> [<snap>:<slot>]",
     "Disconnect a plug from a slot",
     "The disconnect command disconnects a plug from a slot, or every connection\n"
     "of the plug or slot named. A disconnected plug stays disconnected across\n"
     "refreshes.\n",
     "  --forget    Forget remembered state about the given connection\n"},
    {"interfaces", "interfaces [<snap>]", "List interfaces' slots and plugs",
     "The interfaces command lists the slots offered and the plugs connected\n"
     "to them, as snap's (deprecated) interfaces command.\n",
     NULL},
    {"interface", "interface [--all] [<interface>]", "Show details of snap interfaces",
     "The interface command shows details of snap interfaces. Without a name,\n"
     "the interfaces with at least one connection, or every one with --all.\n",
     "  --all    Show all interfaces, including those without connections\n"},
    {"services", "services [<snap>[.<app>]...]", "Query the status of services",
     "The services command lists information about the services of the given\n"
     "snaps, or of all of them.\n",
     NULL},
    {"start", "start [--enable] <snap>[.<app>]...", "Start services",
     "The start command starts the given services.\n",
     "  --enable    As well as starting the service now, arrange for it to be\n"
     "              started on boot\n"},
    {"stop", "stop [--disable] <snap>[.<app>]...", "Stop services",
     "The stop command stops the given services.\n",
     "  --disable    As well as stopping the service now, arrange for it to no\n"
     "               longer be started on boot\n"},
    {"restart", "restart [--reload] <snap>[.<app>]...", "Restart services",
     "The restart command restarts the given services.\n",
     "  --reload    If the service has a reload command, use it instead of\n"
     "              restarting\n"},
    {"logs", "logs [-n=<lines>|all] [-f] [--abs-time] <snap>[.<app>]...",
     "Retrieve logs for services",
     "The logs command fetches logs of the given services and displays them in\n"
     "chronological order.\n",
     "  -n=<lines>      Show only the given number of lines, or 'all' (default\n"
     "                  10)\n"
     "  -f, --follow    Wait for new lines and print them as they come in\n"
     "  --abs-time      Display absolute times (in RFC 3339 format)\n"},
    {"debug",
     "debug confinement | debug sandbox-features [--required=<backend>:<feature>]... | "
     "debug denials [--follow] [--since=<time>] [<snap>[.<app>]]",
     "Show the host's confinement, and what the sandbox denied",
     "debug confinement prints strict or partial, with the missing pieces named.\n"
     "debug sandbox-features prints the sandbox features in snapd's format; with\n"
     "--required it prints nothing and fails if a feature is missing.\n"
     "debug denials prints the denials of confined commands, newest last, each with\n"
     "the interface that would allow it (a user sees their own commands only).\n",
     "  --required=<backend>:<feature>    Ensure that the given feature is\n"
     "                                    available\n"
     "  --follow                          Keep printing denials as they happen\n"
     "  --since=<time>                    Only denials since that time\n"},
    /* alias, unalias, aliases: the commands of the aliases change (issue 13) */
    {"alias", "alias <snap>.<app> <alias>", "Set up a manual alias",
     "The alias command aliases the given snap application to the given alias: an\n"
     "entry /snap/bin/<alias> runs it. An alias that conflicts with another snap's\n"
     "alias or command is refused.\n",
     NULL},
    {"unalias", "unalias <alias-or-snap>",
     "Remove a manual alias, or the aliases for an entire snap",
     "The unalias command removes a single alias if the provided argument is a\n"
     "manual alias, or all aliases of a snap if the argument is a snap name.\n",
     NULL},
    {"aliases", "aliases [<snap>]", "List aliases in the system",
     "The aliases command lists all aliases available in the system, or those of\n"
     "the given snap: the command, the alias and notes.\n",
     NULL},
    {"get", "get [-d|-l|-t] <snap> [<key>...]", "Print configuration options",
     "The get command prints configuration options for the provided snap.\n",
     "  -d    Always return document, even with single key\n"
     "  -l    Always return list, even with single key\n"
     "  -t    Strict typing with nulls and quoted strings\n"},
    {"set", "set [-t|-s] <snap> <key>=<value>... [<key>!...]", "Change configuration options",
     "The set command changes the provided configuration options as requested;\n"
     "a key followed by ! is unset. The snap's configure hook runs, and the\n"
     "change is undone if it fails.\n",
     "  -t    Parse the value strictly as JSON document\n"
     "  -s    Parse the value as a string\n"},
    {"unset", "unset <snap> <key>...", "Remove configuration options",
     "The unset command removes the provided configuration options as\n"
     "requested.\n",
     NULL},
    {"help", "help [<command>]", "Show help about a command",
     "The help command displays information about cordon's commands: without a\n"
     "name, the list of commands; with one, that command's usage (as\n"
     "`cordon <command> --help`).\n",
     NULL},
    {"version", "version", "Show version details", "The version command prints cordon's version.\n",
     NULL},
};

const cli_usage *cli_usage_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(usages); i++)
		if (strcmp(usages[i].name, name) == 0)
			return &usages[i];
	return NULL;
}

bool cli_usage_asked(int argc, char *const *argv)
{
	/* run: flags come before the app's name (cmd_run.c) */
	bool run = argc > 0 && strcmp(argv[0], "run") == 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			return false;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return true;
		if (run && a[0] != '-')
			return false;
	}
	return false;
}

char *cli_usage_format(const char *name, const char *fallback)
{
	const cli_usage *u = cli_usage_find(name);
	buf b = {0};
	buf_printf(&b, "Usage:\n  cordon %s\n", u ? u->synopsis : fallback ? fallback : name);
	if (u == NULL)
		return buf_steal(&b);
	buf_printf(&b, "\n%s", u->description);
	if (u->options)
		buf_printf(&b, "\n[%s command options]\n%s", u->name, u->options);
	return buf_steal(&b);
}
