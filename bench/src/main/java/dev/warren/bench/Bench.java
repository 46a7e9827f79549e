package dev.warren.bench;

public final class Bench {
  public static void main(String[] args) {
    System.out.println("bench");
  }
}
