/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The intruder's tool in the lab: copied to the next host and run from
 * /tmp.  It does what such tools do first: who am I, where am I, which
 * accounts are here.
 */
#include <pwd.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(void)
{
	struct utsname u;
	struct passwd *pw;
	int n = 0;

	if (uname(&u) == 0)
		printf("%s %s %s\n", u.nodename, u.sysname, u.release);
	printf("uid %u\n", (unsigned int)getuid());
	while ((pw = getpwent()) != NULL)
		n++;
	endpwent();
	printf("%d accounts\n", n);
	return 0;
}
