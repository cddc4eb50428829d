/* Calls count_up of counter.c: compiled with TenDRA's tcc -Fj into main.j, the capsule
   tests/cli/decode.rs links against a library holding counter.j. */
extern int count_up(int limit);

int main(void)
{
    return count_up(10) > 0 ? 0 : 1;
}
