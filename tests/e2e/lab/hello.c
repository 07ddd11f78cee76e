/* SPDX-License-Identifier: GPL-2.0-only */
/* What the lab's users build and run: a program fresh out of the compiler. */
#include <stdio.h>

int main(void)
{
	puts("hello from the lab");
	return 0;
}
