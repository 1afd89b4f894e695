"""The program's clients for what azure-native does not cover (ARM calls, Fabric REST)."""
