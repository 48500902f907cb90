// The Catch2 v2 main for the unit tests (every *_test.cpp in this folder links into it).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
