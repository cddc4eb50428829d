/*
 * stats.c: a running summary of integers.
 */
#include "stats.h"

void
stats_init(struct stats *s)
{
	s->count = 0;
	s->sum = 0;
	s->min = 0;
	s->max = 0;
}

void
stats_add(struct stats *s, int value)
{
	if (s->count == 0 || value < s->min) {
		s->min = value;
	}
	if (s->count == 0 || value > s->max) {
		s->max = value;
	}
	s->count++;
	s->sum += value;
}

/* The mean times 100, rounded half away from zero. */
long
stats_mean_x100(const struct stats *s)
{
	long scaled;

	if (s->count == 0) {
		return 0;
	}
	scaled = s->sum * 100;
	if (scaled < 0) {
		return -((-scaled + s->count / 2) / s->count);
	}
	return (scaled + s->count / 2) / s->count;
}
