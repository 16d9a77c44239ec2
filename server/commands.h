// The `aisle` subcommands other than `serve` (which main.cc wires).
#ifndef AISLE_SERVER_COMMANDS_H_
#define AISLE_SERVER_COMMANDS_H_

namespace aisle::server {

// aisle gen --count N [--seed S] [--first I]: writes demo products as NDJSON
// to stdout.
int RunGen(int argc, char** argv);

// aisle import FILE [--url http://127.0.0.1:7700] [--format auto] [--batch N]:
// reads a catalog file and pushes it to a running server in batches.
int RunImport(int argc, char** argv);

}  // namespace aisle::server

#endif  // AISLE_SERVER_COMMANDS_H_
