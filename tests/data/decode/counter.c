/* A small C unit compiled with TenDRA's tcc -Fj into counter.j, the test capsule of
   tshow -d and tshow --check (tests/cli/decode.rs). */
static int calls;
int total = 0;
extern int report(const char *what, int value);

int count_up(int limit)
{
    int i;
    for (i = 0; i < limit; i++) {
        total += i % 7;
        if (total > 1000)
            break;
    }
    calls++;
    return report("total", total);
}
