/* blas_cpu.c — let OpenBLAS use AVX-512 on AMD CPUs that have it.
 *
 * Debian 12's OpenBLAS (0.3.21, built for every x86 core and picking one at
 * load time) does not know AMD's Zen 4 and Zen 5 and treats them as Zen,
 * whose kernels are Haswell's: AVX2, half the width the CPU can do.  On the
 * machine of README's Performance section that made bert-base at 128
 * tokens 146 ms, against 90 ms with OpenBLAS's SkylakeX (AVX-512) kernels.
 *
 * OpenBLAS reads OPENBLAS_CORETYPE once, in its library constructor, which
 * runs before main.  Functions in the executable's .preinit_array run
 * earlier still, but a setenv there is lost: libc's own initialisation,
 * which comes after, resets the environment to the one the process started
 * with.  So on an AMD CPU with the AVX-512 subsets SkylakeX kernels use,
 * and when the user has not chosen a core, heed executes itself again with
 * the variable added (a millisecond or two, once).  If that exec fails
 * heed simply goes on with what OpenBLAS picked.  Intel CPUs with AVX-512
 * are detected correctly by OpenBLAS already, and valgrind hides AVX-512,
 * so neither is touched.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
/* Before libc's initialisation getenv and setenv do not see the process's
 * environment yet, so this works on envp directly. */
static void
blas_cpu_preinit(int argc, char **argv, char **envp)
{
	static const char var[] = "OPENBLAS_CORETYPE=";
	size_t n = 0;

	(void)argc;
	if (argv == NULL || argv[0] == NULL || envp == NULL)
		return;
	for (; envp[n] != NULL; n++)
		if (strncmp(envp[n], var, sizeof var - 1) == 0)
			return;
	/* libgcc's CPU model is filled by a constructor that has not run yet */
	__builtin_cpu_init();
	if (!__builtin_cpu_is("amd") || !__builtin_cpu_supports("avx512f") ||
	    !__builtin_cpu_supports("avx512bw") || !__builtin_cpu_supports("avx512dq") ||
	    !__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("avx512cd"))
		return;
	char **env = malloc((n + 2) * sizeof *env);
	if (env == NULL)
		return;
	memcpy(env, envp, n * sizeof *env);
	env[n] = (char *)"OPENBLAS_CORETYPE=SkylakeX";
	env[n + 1] = NULL;
	execve("/proc/self/exe", argv, env);
	free(env);  /* the exec failed: go on as we are */
}

__attribute__((section(".preinit_array"), used))
static void (*const blas_cpu_preinit_entry)(int, char **, char **) = blas_cpu_preinit;
#endif
