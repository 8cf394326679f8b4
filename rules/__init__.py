"""Rules and classification data, shipped inside the package as sitescan.rules."""
