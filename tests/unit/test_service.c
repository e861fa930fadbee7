/* What a service manager hands the launcher (runtime/service.h): the pure
 * checks of --command, LISTEN_*, WATCHDOG_* and NOTIFY_SOCKET's name. */
#include "check.h"
#include "service.h"
#include "util.h"

static void test_commands(void)
{
	CHECK_INT(cordon_command_parse("stop"), CORDON_COMMAND_STOP);
	CHECK_INT(cordon_command_parse("reload"), CORDON_COMMAND_RELOAD);
	CHECK_INT(cordon_command_parse("post-stop"), CORDON_COMMAND_POST_STOP);
	CHECK_INT(cordon_command_parse("command"), -1);
	CHECK_INT(cordon_command_parse(""), -1);
	CHECK_INT(cordon_command_parse("shell"), CORDON_COMMAND_SHELL);
	CHECK_INT(cordon_command_parse("Stop"), -1);
	CHECK_INT(cordon_command_parse("shell "), -1);
	CHECK_STR(cordon_command_name(CORDON_COMMAND_SHELL), "shell");
	CHECK_STR(cordon_command_name(CORDON_COMMAND_POST_STOP), "post-stop");

	cordon_policy p = {0};
	strv_push(&p.command, "bin/run");
	strv_push(&p.stop_command, "bin/stop");
	CHECK(cordon_command_words(&p, CORDON_COMMAND_MAIN) == &p.command);
	CHECK(cordon_command_words(&p, CORDON_COMMAND_STOP) == &p.stop_command);
	CHECK(cordon_command_words(&p, CORDON_COMMAND_RELOAD) == NULL);
	CHECK(cordon_command_words(&p, CORDON_COMMAND_POST_STOP) == NULL);
	/* the launch makes the shell's words */
	CHECK(cordon_command_words(&p, CORDON_COMMAND_SHELL) == NULL);
	cordon_policy_free(&p);
}

static void test_shell_path(void)
{
	CHECK_STR(cordon_shell_path("/bin/bash"), "/bin/bash");
	CHECK_STR(cordon_shell_path("/usr/bin/zsh-5.9"), "/usr/bin/zsh-5.9");
	CHECK_STR(cordon_shell_path(NULL), "/bin/sh");
	CHECK_STR(cordon_shell_path(""), "/bin/sh");
	CHECK_STR(cordon_shell_path("bash"), "/bin/sh");
	CHECK_STR(cordon_shell_path("/bin/$X"), "/bin/sh");
	CHECK_STR(cordon_shell_path("/bin/b sh"), "/bin/sh");
	CHECK_STR(cordon_shell_path("/bin/../x"), "/bin/sh");
	CHECK_STR(cordon_shell_path("/bin/./sh"), "/bin/sh");
	CHECK_STR(cordon_shell_path("/bin//sh"), "/bin/sh");
	CHECK_STR(cordon_shell_path("/bin/sh/"), "/bin/sh");
	CHECK_STR(cordon_shell_path("/bin/.hidden"), "/bin/.hidden");
}

static void test_listen_fds(void)
{
	CHECK_INT(cordon_listen_fds_count(1234, "1234", "1"), 1);
	CHECK_INT(cordon_listen_fds_count(1234, "1234", "64"), 64);
	CHECK_INT(cordon_listen_fds_count(1234, "1234", "65"), 0);
	CHECK_INT(cordon_listen_fds_count(1234, "1234", "0"), 0);
	CHECK_INT(cordon_listen_fds_count(1234, "1234", "-1"), 0);
	CHECK_INT(cordon_listen_fds_count(1234, "1234", "01"), 0);
	CHECK_INT(cordon_listen_fds_count(1234, "1234", " 1"), 0);
	CHECK_INT(cordon_listen_fds_count(1234, "1234", "1x"), 0);
	CHECK_INT(cordon_listen_fds_count(1234, "1234", ""), 0);
	CHECK_INT(cordon_listen_fds_count(1234, "1234", NULL), 0);
	/* another process's fds */
	CHECK_INT(cordon_listen_fds_count(1234, "1", "1"), 0);
	CHECK_INT(cordon_listen_fds_count(1234, "+1234", "1"), 0);
	CHECK_INT(cordon_listen_fds_count(1234, "01234", "1"), 0);
	CHECK_INT(cordon_listen_fds_count(1234, NULL, "1"), 0);
	CHECK_INT(cordon_listen_fds_count(1234, "12345678901234567890", "1"), 0);

	CHECK(cordon_listen_fdnames_ok("web"));
	CHECK(cordon_listen_fdnames_ok("web:admin:"));
	CHECK(!cordon_listen_fdnames_ok("a b"));
	CHECK(!cordon_listen_fdnames_ok("a\nb"));
	CHECK(!cordon_listen_fdnames_ok("caf\xc3\xa9"));
	_cleanup_free_ char *long_name = xmalloc(300);
	memset(long_name, 'x', 299);
	long_name[299] = '\0';
	CHECK(!cordon_listen_fdnames_ok(long_name));

	CHECK(cordon_decimal_ok("30000000"));
	CHECK(cordon_decimal_ok("0"));
	CHECK(!cordon_decimal_ok("-1"));
	CHECK(!cordon_decimal_ok("1e6"));
	CHECK(!cordon_decimal_ok(""));
	CHECK(!cordon_decimal_ok("12345678901234567890"));
}

static void test_notify_names(void)
{
	/* only the fixed name is ever looked at (the file checks need root
	 * and a socket: tests/integration/test_service_launch.py) */
	CHECK(!cordon_notify_socket_ok(NULL, ""));
	CHECK(!cordon_notify_socket_ok("@/org/freedesktop/systemd1/notify/1", ""));
	CHECK(!cordon_notify_socket_ok("/run/systemd/../systemd/notify", ""));
	CHECK(!cordon_notify_socket_ok("/run/systemd//notify", ""));
	CHECK(!cordon_notify_socket_ok("/run/systemd/private", ""));
	CHECK(!cordon_notify_socket_ok("/run/user/1000/systemd/notify", ""));
	CHECK(!cordon_notify_socket_ok("run/systemd/notify", ""));
	CHECK(!cordon_notify_socket_ok("/run/systemd/notify", "/nonexistent-root"));
}

int main(void)
{
	test_commands();
	test_shell_path();
	test_listen_fds();
	test_notify_names();
	return check_done("service");
}
