/*
 * report.c: prints one labelled value per line and counts the lines.
 */
#include <stdio.h>

#include "stats.h"

int report_lines = 0;

static void
label(const char *name)
{
	printf("%-6s ", name);
	report_lines++;
}

void
report(const char *name, long value)
{
	label(name);
	printf("%ld\n", value);
}

void
report_fixed2(const char *name, long value_x100)
{
	long whole = value_x100 / 100;
	long part = value_x100 % 100;

	label(name);
	if (value_x100 < 0) {
		printf("-%ld.%02ld\n", -whole, -part);
	} else {
		printf("%ld.%02ld\n", whole, part);
	}
}
