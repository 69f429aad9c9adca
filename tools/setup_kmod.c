// SPDX-License-Identifier: MIT
/*
 * Loading nvdirect.ko (and giving controllers back to nvme) through
 * libkmod, as insmod and modprobe do.  The module comes from, in order:
 * --module PATH, $NVD_KO, the installed module by name (modprobe: its
 * dependencies and its options from modprobe.d), ./nvdirect.ko.
 *
 * --param NAME=VALUE options are checked against the module's own
 * parameter list (modinfo's parmtype) before it is loaded: the kernel only
 * warns about a parameter a module does not have, and loads it anyway.
 */
#include <errno.h>
#include <libkmod.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "setup.h"

#define MODULE		"nvdirect"

static int module_loaded(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

/* "NAME" of "NAME=VALUE", in @out. */
static void param_name(const char *p, char *out, size_t len)
{
	snprintf(out, len, "%.*s", (int)strcspn(p, "="), p);
}

/* Does @v parse as the kernel's param_set_<type> would take it? */
static int value_fits(const char *type, const char *v)
{
	static const struct { const char *type; int sign; unsigned long long max; } ints[] = {
		{ "byte", 0, 0xff },		{ "ushort", 0, 0xffff },
		{ "uint", 0, 0xffffffffull },	{ "ulong", 0, ~0ull },
		{ "ullong", 0, ~0ull },		{ "hexint", 0, 0xffffffffull },
		{ "short", 1, 0x7fff },		{ "int", 1, 0x7fffffff },
		{ "long", 1, 0x7fffffffffffffffull },
	};
	unsigned long long u;
	long long s;
	char *end;
	size_t i;

	/* kstrtobool: the first letter decides, "on" and "off" the second */
	if (!strcmp(type, "bool") || !strcmp(type, "invbool"))
		return (v[0] && strchr("yYtT1nNfF0", v[0])) || !strcmp(v, "on") || !strcmp(v, "off");
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		if (strcmp(type, ints[i].type))
			continue;
		errno = 0;
		if (ints[i].sign) {
			s = strtoll(v, &end, 0);
			return !errno && *v && !*end && (s < 0 ? -(unsigned long long)s <= ints[i].max + 1 :
						     (unsigned long long)s <= ints[i].max);
		}
		u = strtoull(v, &end, 0);
		return !errno && *v && !*end && v[0] != '-' && u <= ints[i].max;
	}
	return 1;	/* charp, string, arrays: the kernel judges */
}

/*
 * Every @params' name is one of @mod's parameters and its value fits the
 * type: 0, or EXIT_BAD_ARG after one line naming the parameter.
 */
static int check_params(struct kmod_module *mod, const char *ko, char **params, int n)
{
	struct kmod_list *info = NULL, *it;
	char name[64], known[256] = "";
	const char *type;
	int i, rc = 0;

	if (kmod_module_get_info(mod, &info) < 0)
		return 0;	/* no modinfo to check against: the kernel will say */
	for (i = 0; i < n && !rc; i++) {
		param_name(params[i], name, sizeof(name));
		type = NULL;
		known[0] = '\0';
		kmod_list_foreach(it, info) {
			const char *v = kmod_module_info_get_value(it);
			size_t len = strcspn(v, ":");

			if (strcmp(kmod_module_info_get_key(it), "parmtype"))
				continue;
			snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%.*s",
				 known[0] ? ", " : "", (int)len, v);
			if (len == strlen(name) && !strncmp(v, name, len) && v[len] == ':')
				type = v + len + 1;
		}
		if (!type)
			rc = bad_arg("--param %s: %s has no parameter '%s' (its parameters: %s)", params[i],
				     ko, name, known[0] ? known : "none");
		else if (!value_fits(type, strchr(params[i], '=') + 1))
			rc = bad_arg("--param %s: '%s' is not a valid value for %s (%s)", params[i],
				     strchr(params[i], '=') + 1, name, type);
	}
	kmod_module_info_free_list(info);
	return rc;
}

/* @params joined with spaces, as the kernel takes module options. */
static void join_params(char **params, int n, char *out, size_t len)
{
	size_t used = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? " " : "", params[i]);
}

/*
 * Insert the module at @path (as insmod), or the installed one named @name
 * (as modprobe: dependencies, modprobe.d options, then @opts).  @how gets
 * the file loaded.  *@bad is set when the parameters were refused before
 * loading (the line is printed).
 */
static int kmod_load(const char *path, const char *name, char **params, int nparams,
		     char *how, size_t len, int *bad)
{
	struct kmod_list *list = NULL;
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	char opts[1024];
	int err;

	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	join_params(params, nparams, opts, sizeof(opts));
	if (path) {
		err = kmod_module_new_from_path(ctx, path, &mod);
	} else {
		err = kmod_module_new_from_lookup(ctx, name, &list);
		if (!err && !list)
			err = -ENOENT;
		if (!err)
			mod = kmod_module_get_module(list);
		kmod_module_unref_list(list);
	}
	if (err)
		goto out;
	snprintf(how, len, "%s", path ? path :
		 kmod_module_get_path(mod) ? kmod_module_get_path(mod) : name);
	*bad = check_params(mod, how, params, nparams);
	if (*bad)
		err = -EINVAL;
	else if (path)
		err = kmod_module_insert_module(mod, 0, opts);
	else
		err = kmod_module_probe_insert_module(mod, 0, opts, NULL, NULL, NULL);
	kmod_module_unref(mod);
out:
	kmod_unref(ctx);
	return err == -EEXIST ? 0 : err;
}

/* Same value, read as numbers when both are ("0x10" is "16"). */
static int same_value(const char *a, const char *b)
{
	unsigned long long x, y;
	char *ea, *eb;

	x = strtoull(a, &ea, 0);
	y = strtoull(b, &eb, 0);
	if (*a && *b && !*ea && !*eb)
		return x == y;
	if ((a[0] == 'Y' || a[0] == 'N') && !a[1])	/* bool: sysfs shows Y or N */
		return (a[0] == 'Y') == ((b[0] && strchr("yYtT1", b[0])) || !strcmp(b, "on"));
	return !strcmp(a, b);
}

/* The module is loaded: @params must be what it has, else one line. */
static int check_loaded(char **params, int n)
{
	char path[PATH_MAX], name[64], now[256];
	const char *want;
	int i;

	for (i = 0; i < n; i++) {
		param_name(params[i], name, sizeof(name));
		want = strchr(params[i], '=') + 1;
		snprintf(path, sizeof(path), "/sys/module/" MODULE "/parameters/%s", name);
		if (access(path, F_OK))
			return bad_arg("--param %s: the loaded " MODULE ".ko has no parameter '%s'",
				       params[i], name);
		if (read_line(path, now, sizeof(now)))
			now[0] = '\0';
		if (!same_value(now, want)) {
			fprintf(stderr, PROG ": --param %s: " MODULE ".ko is already loaded with %s=%s "
				"(reset and rmmod " MODULE " to load it with other parameters)\n",
				params[i], name, now);
			return 1;
		}
	}
	return 0;
}

int load_nvdirect(const char *module, char **params, int nparams)
{
	const char *env = getenv("NVD_KO");
	char how[PATH_MAX] = MODULE, opts[1024];
	int err, bad = 0;

	if (module_loaded(MODULE))
		return check_loaded(params, nparams);
	if (!module && env && env[0])
		module = env;
	if (module) {
		err = kmod_load(module, NULL, params, nparams, how, sizeof(how), &bad);
	} else {
		err = kmod_load(NULL, MODULE, params, nparams, how, sizeof(how), &bad);
		if (err == -ENOENT && !access(MODULE ".ko", F_OK))
			err = kmod_load(MODULE ".ko", NULL, params, nparams, how, sizeof(how), &bad);
	}
	if (bad)
		return bad;
	join_params(params, nparams, opts, sizeof(opts));
	if (err == -EINVAL && nparams) {
		fprintf(stderr, PROG ": %s refused its parameters (%s): %s\n", how, opts,
			strerror(-err));
		return 1;
	}
	if (err) {
		fprintf(stderr, PROG ": cannot load " MODULE ".ko (%s): %s (give its path with --module PATH)\n",
			module ? module : "not installed, no ./" MODULE ".ko", strerror(-err));
		return 1;
	}
	printf("loaded %s%s%s\n", how, nparams ? " with " : "", opts);
	return 0;
}

void load_driver(const char *drv)
{
	char path[PATH_MAX], how[PATH_MAX];
	int bad = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s", drv);
	if (access(path, F_OK))
		kmod_load(NULL, drv, NULL, 0, how, sizeof(how), &bad);
}
