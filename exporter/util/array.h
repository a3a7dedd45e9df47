/* SPDX-License-Identifier: GPL-2.0 */
/* array: the element count of an array whose size the compiler knows. */
#ifndef BPFPROM_ARRAY_H
#define BPFPROM_ARRAY_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* BPFPROM_ARRAY_H */
