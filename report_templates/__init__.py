"""Report templates, shipped inside the package as sitescan.report_templates."""
