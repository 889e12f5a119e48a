/* Sanity check run once per column before any timing: proves the runner
 * really runs the program (arguments in, stdout out, exit status back), so a
 * broken sandbox-exec that exits 0 without running anything cannot produce
 * flattering numbers. sandbox-bench runs `check hello world` and expects
 * stdout "check ok: hello world" and exit status 42.
 * Built by sandbox-bench with `gcc -O2 -static`. */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("check ok:");
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	return 42;
}
