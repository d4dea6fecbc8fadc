/*
 * main.c: solarctl, the command-line client of solar-host's API.  Reads
 * the flags (anywhere on the line), finds the command, where the API is
 * and its key, and runs the command; the exit status says how it went.
 */
#include <sys/types.h>

#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "solarctl.h"

#define USAGE	"usage: solarctl [--json] [--key key | --key-file file] " \
		"[--settings file] [--timeout seconds] [--url url] command " \
		"[argument ...]\n"

enum {
	O_JSON = 256,
	O_KEY,
	O_KEY_FILE,
	O_SETTINGS,
	O_TIMEOUT,
	O_URL,
	O_SINCE
};

/* Which flags beyond the global ones a command takes. */
#define TAKES_CONFIG	0x1
#define TAKES_LOGS	0x2

static const struct command {
	const char	*name;
	int		(*fn)(struct ctl *);
	int		 nargs;		/* 1: an instance */
	int		 takes;
	const char	*synopsis;
} commands[] = {
	{ "list", cmd_list, 0, 0, "list" },
	{ "get", cmd_get, 1, 0, "get instance" },
	{ "create", cmd_create, 0, TAKES_CONFIG,
	    "create config-flags | --file file [config-flags]" },
	{ "update", cmd_update, 1, TAKES_CONFIG,
	    "update instance [--file file] [config-flags]" },
	{ "delete", cmd_delete, 1, 0, "delete instance" },
	{ "start", cmd_start, 1, 0, "start instance" },
	{ "stop", cmd_stop, 1, 0, "stop instance" },
	{ "restart", cmd_restart, 1, 0, "restart instance" },
	{ "logs", cmd_logs, 1, TAKES_LOGS,
	    "logs [-f] [--since seq] instance" },
	{ "state", cmd_state, 1, 0, "state instance" },
	{ "memory", cmd_memory, 0, 0, "memory" },
	{ "health", cmd_health, 0, 0, "health" },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static const struct option longopts[] = {
	{ "json", no_argument, NULL, O_JSON },
	{ "key", required_argument, NULL, O_KEY },
	{ "key-file", required_argument, NULL, O_KEY_FILE },
	{ "settings", required_argument, NULL, O_SETTINGS },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "url", required_argument, NULL, O_URL },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "follow", no_argument, NULL, 'f' },
	{ "since", required_argument, NULL, O_SINCE },
	{ "model", required_argument, NULL, CF_MODEL },
	{ "alias", required_argument, NULL, CF_ALIAS },
	{ "api-key", required_argument, NULL, CF_API_KEY },
	{ "threads", required_argument, NULL, CF_THREADS },
	{ "ctx-size", required_argument, NULL, CF_CTX_SIZE },
	{ "temp", required_argument, NULL, CF_TEMP },
	{ "top-p", required_argument, NULL, CF_TOP_P },
	{ "top-k", required_argument, NULL, CF_TOP_K },
	{ "min-p", required_argument, NULL, CF_MIN_P },
	{ "n-gpu-layers", required_argument, NULL, CF_N_GPU_LAYERS },
	{ "host", required_argument, NULL, CF_HOST },
	{ "port", required_argument, NULL, CF_PORT },
	{ "chat-template-file", required_argument, NULL,
	    CF_CHAT_TEMPLATE_FILE },
	{ "special", no_argument, NULL, CF_SPECIAL },
	{ "no-special", no_argument, NULL, CF_NO_SPECIAL },
	{ "extra-arg", required_argument, NULL, CF_EXTRA_ARG },
	{ "no-extra-args", no_argument, NULL, CF_NO_EXTRA_ARGS },
	{ "env", required_argument, NULL, CF_ENV },
	{ "no-env", no_argument, NULL, CF_NO_ENV },
	{ "file", required_argument, NULL, CF_FILE },
	{ NULL, 0, NULL, 0 }
};

static void	usage(void) __attribute__((noreturn));
static void	help(void) __attribute__((noreturn));
static const char *flag_name(int);
static const struct command *find_command(const char *);

static void
usage(void)
{
	fprintf(stderr, USAGE);
	exit(EXIT_USAGE);
}

static void
help(void)
{
	size_t	i;

	printf(USAGE "commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		printf("  %s\n", commands[i].synopsis);
	printf("see solarctl(1) for the config flags and the rest\n");
	exit(EXIT_OK);
}

static const char *
flag_name(int val)
{
	size_t	i;

	for (i = 0; longopts[i].name != NULL; i++)
		if (longopts[i].val == val)
			return longopts[i].name;
	return "?";
}

static const struct command *
find_command(const char *name)
{
	size_t	i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int
main(int argc, char *argv[])
{
	const struct command	*cmd;
	struct ctl		 ctl;
	struct target_args	 ta = { NULL, NULL, NULL, NULL };
	const char		*errstr;
	char			 err[1024];
	int			 ch, rc, config_flag = 0, logs_flag = 0;

	signal(SIGPIPE, SIG_IGN);
	log_procname("solarctl");
	memset(&ctl, 0, sizeof(ctl));
	ctl.timeout_s = CTL_TIMEOUT_S;
	ctl.since = -1;
	instcfg_init(&ctl.edit);

	/* Our own messages: getopt's would name the path we were run by. */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":fhV", longopts, NULL)) != -1) {
		switch (ch) {
		case ':':
			fprintf(stderr, "solarctl: %s needs a value\n",
			    argv[optind - 1]);
			usage();
		case '?':
			if (optopt > 0 && optopt < 128)
				fprintf(stderr, "solarctl: -%c: unknown flag\n",
				    optopt);
			else
				fprintf(stderr, "solarctl: %s: unknown flag\n",
				    argv[optind - 1]);
			usage();
		case O_JSON:
			ctl.json = 1;
			break;
		case O_KEY:
			ta.key = optarg;
			break;
		case O_KEY_FILE:
			ta.key_file = optarg;
			break;
		case O_SETTINGS:
			ta.settings_file = optarg;
			break;
		case O_TIMEOUT:
			ctl.timeout_s = (int)strtonum(optarg, 1, 86400,
			    &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "solarctl: --timeout %s: %s "
				    "(1 to 86400 seconds)\n", optarg, errstr);
				exit(EXIT_USAGE);
			}
			break;
		case O_URL:
			ta.url = optarg;
			break;
		case 'h':
			help();
		case 'V':
			printf("solarctl %s\n", PACKAGE_VERSION);
			exit(EXIT_OK);
		case 'f':
			ctl.follow = 1;
			logs_flag = ch;
			break;
		case O_SINCE:
			ctl.since = strtonum(optarg, 0, LLONG_MAX, &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "solarctl: --since %s: %s\n",
				    optarg, errstr);
				exit(EXIT_USAGE);
			}
			logs_flag = ch;
			break;
		default:
			if (ch < CF_MODEL || ch > CF_LAST)
				usage();
			if (instcfg_flag(&ctl.edit, ch, optarg, err,
			    sizeof(err)) == -1) {
				fprintf(stderr, "solarctl: --%s: %s\n",
				    flag_name(ch), err);
				exit(EXIT_USAGE);
			}
			config_flag = ch;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	if ((cmd = find_command(argv[0])) == NULL) {
		fprintf(stderr, "solarctl: %s: unknown command\n", argv[0]);
		usage();
	}
	if (config_flag != 0 && !(cmd->takes & TAKES_CONFIG)) {
		fprintf(stderr, "solarctl: --%s is for create and update\n",
		    flag_name(config_flag));
		exit(EXIT_USAGE);
	}
	if (logs_flag != 0 && !(cmd->takes & TAKES_LOGS)) {
		fprintf(stderr, "solarctl: --%s is for logs\n",
		    flag_name(logs_flag));
		exit(EXIT_USAGE);
	}
	if (argc - 1 != cmd->nargs) {
		fprintf(stderr, "usage: solarctl %s\n", cmd->synopsis);
		exit(EXIT_USAGE);
	}
	ctl.args = argv + 1;
	ctl.nargs = argc - 1;

	if ((rc = target_resolve(&ctl.t, &ta, err, sizeof(err))) !=
	    EXIT_OK) {
		fprintf(stderr, "solarctl: %s\n", err);
		exit(rc);
	}
	log_libevent();
	if ((ctl.base = event_base_new()) == NULL) {
		fprintf(stderr, "solarctl: cannot make an event base\n");
		rc = EXIT_FAIL;
	} else
		rc = cmd->fn(&ctl);

	if (ctl.base != NULL)
		event_base_free(ctl.base);
	target_free(&ctl.t);
	instcfg_free(&ctl.edit);
	if ((fflush(stdout) == EOF || ferror(stdout)) && rc == EXIT_OK) {
		fprintf(stderr, "solarctl: cannot write the output\n");
		rc = EXIT_FAIL;
	}
	return rc;
}
