/* The host's virtio-net NIC (virtio 1.2, §5.1), QEMU's virtio-mmio device
 * driven by dev/virtio_net.c: the uplink of the guests' switch. */
#ifndef DEV_VIRTIO_NET_H
#define DEV_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

bool hnet_present(void);
void hnet_mac(uint8_t mac[6]);
/* Sends one Ethernet frame (no virtio header; the driver adds it); false when the
 * transmit ring is full (the caller counts the drop). Any context, any hart. */
bool hnet_send(const void *frame, uint32_t len);
/* Each received frame, from the interrupt handler (irq context), without the header. */
void hnet_set_receive(void (*rx)(const void *frame, uint32_t len, void *arg), void *arg);

/* One line: frames in and out, and those dropped, with why. */
void hnet_report(void);

/* Finds the device among the virtio-mmio slots (dev/virtio.c probes). */
struct virtio_dev;
bool hnet_attach(struct virtio_dev *dev);

#endif
