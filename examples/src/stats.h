/*
 * stats.h: what the three translation units of the example share.
 *
 * main.c reads numbers, stats.c keeps a running summary of them and
 * report.c prints it.  Compiled by TenDRA's tcc, each unit becomes a
 * TDF capsule (main.j, stats.j, report.j) whose external names are the
 * functions and the variable declared here.
 */
#ifndef STATS_H
#define STATS_H

struct stats {
	int count;
	long sum;
	int min;
	int max;
};

/* The number of lines report.c has printed (defined in report.c). */
extern int report_lines;

void stats_init(struct stats *s);
void stats_add(struct stats *s, int value);
long stats_mean_x100(const struct stats *s);

void report(const char *label, long value);
void report_fixed2(const char *label, long value_x100);

#endif
