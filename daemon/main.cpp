// argv -> command; nothing else.
#include "app/commands.h"

int main(int argc, char** argv) { return sshd_health::RunCli(argc, argv); }
