// The test runner: doctest's own main. Every test file in tests/ links into one binary.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
