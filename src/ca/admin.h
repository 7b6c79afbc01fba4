/*
 * admin.h - `cairnd admin ...`: operator commands that work directly on the
 * store, so they also work while cairnd runs.
 */
#ifndef CA_ADMIN_H
#define CA_ADMIN_H

/* argv[0] is "admin". Returns the process exit status. */
int ca_admin_main(int argc, char **argv);

#endif
