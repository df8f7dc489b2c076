// The kernel's part of a republish's change check: lstat of the publish bench's 10,000
// files, in C. Passes: absolute paths, paths relative to the audio folder (fstatat), and
// getppid() as the cost of a bare syscall.
//   cc -O2 bench/lstat-floor.c -o /tmp/lstat-floor && /tmp/lstat-floor .cache/bench/db-10000
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double ms(struct timespec a, struct timespec b) { return (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6; }

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: %s DB_FOLDER (e.g. .cache/bench/db-10000)\n", argv[0]); return 2; }
  char root[4096], audio[4200], p[4400];
  if (!realpath(argv[1], root)) { perror(argv[1]); return 1; }
  snprintf(audio, sizeof audio, "%s/audio", root);
  int dfd = open(audio, O_RDONLY | O_DIRECTORY);
  if (dfd < 0) { perror(audio); return 1; }
  struct stat st;
  struct timespec a, b;
  for (int pass = 0; pass < 4; pass++) {
    long found = 0;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 10000; i++) {
      snprintf(p, sizeof p, "%s/%03d/%06d.wav", audio, i / 1000, i);
      found += lstat(p, &st) == 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("pass %d: absolute %.2f ms", pass, ms(a, b));
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 10000; i++) {
      snprintf(p, sizeof p, "%03d/%06d.wav", i / 1000, i);
      found += fstatat(dfd, p, &st, AT_SYMLINK_NOFOLLOW) == 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf(", relative %.2f ms", ms(a, b));
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 10000; i++) getppid();
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf(", getppid %.2f ms (%ld files found)\n", ms(a, b), found);
  }
  return 0;
}
