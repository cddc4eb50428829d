/*
 * main.c: summarises the integers given as arguments (or a built-in
 * sample when there are none) and prints the summary.
 */
#include <stdlib.h>

#include "stats.h"

static const int sample[] = { 12, 7, 3, 21, 9, 14, 5 };

int
main(int argc, char **argv)
{
	struct stats s;
	int i;

	stats_init(&s);
	if (argc > 1) {
		for (i = 1; i < argc; i++) {
			stats_add(&s, atoi(argv[i]));
		}
	} else {
		for (i = 0; i < (int) (sizeof sample / sizeof sample[0]); i++) {
			stats_add(&s, sample[i]);
		}
	}
	report("count", s.count);
	if (s.count > 0) {
		report("sum", s.sum);
		report("min", s.min);
		report("max", s.max);
		report_fixed2("mean", stats_mean_x100(&s));
	}
	report("lines", report_lines + 1);	/* this line included */
	return 0;
}
