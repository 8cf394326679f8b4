// The shop's own script: storage it keeps on the first-party origin.
localStorage.setItem("cart", "[]");
sessionStorage.setItem("checkout_step", "1");
indexedDB.open("shop-cache", 1);
