/* main.c: the sluiced executable; everything happens in sl_server_main. */
#include "server/server.h"

int sl_server_main(int argc, char **argv);

int main(int argc, char **argv)
{
    return sl_server_main(argc, argv);
}
