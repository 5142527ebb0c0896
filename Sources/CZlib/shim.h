// The system zlib (zlib1g-dev on Debian/Ubuntu; part of the SDK on macOS), exposed to Swift
// as the CZlib module. ConvKit calls it only from Sources/ConvKit/Data/Gzip.swift.
#include <zlib.h>
