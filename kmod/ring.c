// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-CPU record buffers.
 *
 * A probe builds its record in the CPU's scratch area (espy_rec_begin),
 * then copies it into the CPU's ring (espy_rec_commit).  Probes run with
 * preemption disabled and never in interrupt context, so each ring has a
 * single producer; the single consumer is the reader of /dev/espy.  A full
 * ring drops the record and counts it by type: nothing is lost silently.
 */
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/uaccess.h>
#include <linux/log2.h>
#include <linux/sched.h>

#include "espy.h"

DECLARE_WAIT_QUEUE_HEAD(espy_read_wq);

static struct espy_ring **espy_rings;	/* indexed by CPU */

static void espy_ring_wake(struct irq_work *work)
{
	wake_up_interruptible(&espy_read_wq);
}

static void espy_ring_free(struct espy_ring *ring)
{
	if (!ring)
		return;
	vfree(ring->tmp);
	vfree(ring->scratch);
	vfree(ring->data);
	kfree(ring);
}

static struct espy_ring *espy_ring_alloc(int cpu, size_t size)
{
	struct espy_ring *ring;

	ring = kzalloc_node(sizeof(*ring), GFP_KERNEL, cpu_to_node(cpu));
	if (!ring)
		return NULL;
	ring->data = vzalloc_node(size, cpu_to_node(cpu));
	ring->scratch = vzalloc_node(ESPY_REC_MAX, cpu_to_node(cpu));
	ring->tmp = vzalloc_node(ESPY_PATH_MAX, cpu_to_node(cpu));
	if (!ring->data || !ring->scratch || !ring->tmp) {
		espy_ring_free(ring);
		return NULL;
	}
	ring->mask = size - 1;
	init_irq_work(&ring->wake, espy_ring_wake);
	return ring;
}

int espy_rings_init(void)
{
	size_t size;
	int cpu;

	/* A record must always fit: at least 64 KiB, a power of two. */
	espy_buf_kib = clamp(espy_buf_kib, 64U, 1U << 20);
	espy_buf_kib = roundup_pow_of_two(espy_buf_kib);
	size = (size_t)espy_buf_kib << 10;

	espy_rings = kcalloc(nr_cpu_ids, sizeof(*espy_rings), GFP_KERNEL);
	if (!espy_rings)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		espy_rings[cpu] = espy_ring_alloc(cpu, size);
		if (!espy_rings[cpu])
			goto free_rings;
	}
	return 0;

free_rings:
	for_each_possible_cpu(cpu)
		espy_ring_free(espy_rings[cpu]);
	kfree(espy_rings);
	espy_rings = NULL;
	return -ENOMEM;
}

/* Called once no probe can run any more (hooks unregistered and synced). */
void espy_rings_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		irq_work_sync(&espy_rings[cpu]->wake);
		espy_ring_free(espy_rings[cpu]);
	}
	kfree(espy_rings);
	espy_rings = NULL;
}

/* Only while no probe produces (espy_active clear and synchronized). */
void espy_rings_reset(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct espy_ring *ring = espy_rings[cpu];

		irq_work_sync(&ring->wake);
		ring->head = 0;
		ring->tail = 0;
		ring->busy = 0;
		ring->faults = 0;
		ring->nested = 0;
		memset(ring->records, 0, sizeof(ring->records));
		memset(ring->drops, 0, sizeof(ring->drops));
	}
}

/*
 * Start a record on this CPU.  The caller has preemption disabled and
 * must end with espy_rec_commit() or espy_rec_abort().  Returns NULL when
 * a probe is already building a record here (counted).
 */
void *espy_rec_begin(struct espy_ring **ringp)
{
	struct espy_ring *ring = espy_rings[smp_processor_id()];

	if (ring->busy) {
		ring->nested++;
		return NULL;
	}
	ring->busy = 1;
	*ringp = ring;
	return ring->scratch;
}

void espy_rec_abort(struct espy_ring *ring)
{
	ring->busy = 0;
}

void espy_rec_fault(struct espy_ring *ring)
{
	ring->faults++;
}

static void espy_ring_copy_in(struct espy_ring *ring, u64 pos, const void *src,
			      size_t len)
{
	size_t off = pos & ring->mask;
	size_t first = min_t(size_t, len, (size_t)ring->mask + 1 - off);

	memcpy(ring->data + off, src, first);
	if (first < len)
		memcpy(ring->data, (const u8 *)src + first, len - first);
}

/*
 * Copy a finished record into the ring.  Interrupts are off while head
 * moves: a softirq producer (TCP close) may otherwise interleave with the
 * task's commit on this CPU.
 */
static void espy_ring_put(struct espy_ring *ring, const struct espy_hdr *h,
			  bool urgent)
{
	static const u8 zero[ESPY_RING_ALIGN];
	size_t size = (size_t)ring->mask + 1;
	u32 len = ALIGN(h->size, ESPY_RING_ALIGN);
	u16 type = h->type < ESPY_EV_MAX ? h->type : ESPY_EV_NONE;
	unsigned long irqf;
	u64 tail, head;
	bool wake;

	local_irq_save(irqf);
	head = ring->head;
	/* Pairs with the release in espy_rings_read(): data read before reuse. */
	tail = smp_load_acquire(&ring->tail);
	if (head - tail + len > size) {
		ring->drops[type]++;
		local_irq_restore(irqf);
		return;
	}
	espy_ring_copy_in(ring, head, h, h->size);
	/* the padding up to the next record is part of the stream: zeroed */
	espy_ring_copy_in(ring, head + h->size, zero, len - h->size);
	/* Publish the record only once its bytes are in place. */
	smp_store_release(&ring->head, head + len);
	ring->records[type]++;
	wake = urgent || head + len - tail >= ((u64)espy_wakeup_kib << 10);
	local_irq_restore(irqf);

	if (wake && wq_has_sleeper(&espy_read_wq))
		irq_work_queue(&ring->wake);
}

/* End a record built in this CPU's scratch (espy_rec_begin). */
void espy_rec_commit(struct espy_ring *ring, void *rec, bool urgent)
{
	espy_ring_put(ring, rec, urgent);
	ring->busy = 0;
}

/* A record built elsewhere (on the stack, in any context). */
void espy_rec_emit(const void *rec)
{
	espy_ring_put(espy_rings[smp_processor_id()], rec, false);
}

bool espy_rings_empty(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct espy_ring *ring = espy_rings[cpu];

		/* Pairs with the release in espy_ring_put(). */
		if (smp_load_acquire(&ring->head) != ring->tail)
			return false;
	}
	return true;
}

static void espy_ring_peek(struct espy_ring *ring, u64 pos, void *dst,
			   size_t len)
{
	size_t off = pos & ring->mask;
	size_t first = min_t(size_t, len, (size_t)ring->mask + 1 - off);

	memcpy(dst, ring->data + off, first);
	if (first < len)
		memcpy((u8 *)dst + first, ring->data, len - first);
}

static int espy_ring_copy_out(struct espy_ring *ring, u64 pos,
			      char __user *dst, size_t len)
{
	size_t off = pos & ring->mask;
	size_t first = min_t(size_t, len, (size_t)ring->mask + 1 - off);

	if (copy_to_user(dst, ring->data + off, first))
		return -EFAULT;
	if (first < len && copy_to_user(dst + first, ring->data, len - first))
		return -EFAULT;
	return 0;
}

/*
 * Copy whole records into buf, oldest first across CPUs (by ts_ns), until
 * the next one does not fit.  Serialized by the caller.  Returns bytes
 * copied (0 when every ring is empty) or -EFAULT.
 */
ssize_t espy_rings_read(char __user *buf, size_t count)
{
	size_t done = 0;

	for (;;) {
		struct espy_ring *best = NULL;
		struct espy_hdr h, bh = {};
		u64 head;
		u32 len;
		int cpu;

		for_each_possible_cpu(cpu) {
			struct espy_ring *ring = espy_rings[cpu];

			/*
			 * Pairs with the release in espy_ring_put(): the
			 * record's bytes are visible once head is.
			 */
			head = smp_load_acquire(&ring->head);
			if (head == ring->tail)
				continue;
			espy_ring_peek(ring, ring->tail, &h, sizeof(h));
			if (!best || h.ts_ns < bh.ts_ns) {
				best = ring;
				bh = h;
			}
		}
		if (!best)
			break;
		len = ALIGN(bh.size, ESPY_RING_ALIGN);
		if (WARN_ON_ONCE(len < sizeof(bh) || len > ESPY_REC_MAX))
			return -EIO;
		if (done + len > count)
			break;
		if (espy_ring_copy_out(best, best->tail, buf + done, len))
			return done ? done : -EFAULT;
		done += len;
		/* Pairs with the acquire in espy_rec_commit(). */
		smp_store_release(&best->tail, best->tail + len);
	}
	return done;
}

void espy_rings_stats(struct espy_ioc_stats *st)
{
	int cpu, i;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		struct espy_ring *ring = espy_rings[cpu];

		for (i = 0; i < ESPY_EV_MAX; i++) {
			st->records[i] += READ_ONCE(ring->records[i]);
			st->drops[i] += READ_ONCE(ring->drops[i]);
		}
		st->faults += READ_ONCE(ring->faults);
		st->nested += READ_ONCE(ring->nested);
	}
}
