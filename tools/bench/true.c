/* The smallest static program: start, exit 0. sandbox-bench times it from
 * spawn to wait to measure the sandbox's start-to-exit cost.
 * Built by sandbox-bench with `gcc -O2 -static`. */
int main(void)
{
	return 0;
}
