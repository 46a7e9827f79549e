package dev.warren.runtime.microvm;

/** How QEMU runs the guest's instructions: KVM where a probe boot worked, else TCG (emulation). */
enum Accel {
  KVM("kvm"),
  TCG("tcg");

  private final String qemuName;

  Accel(String qemuName) {
    this.qemuName = qemuName;
  }

  String qemuName() {
    return qemuName;
  }
}
