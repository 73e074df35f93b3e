print("fake-providers: not built yet")
