"""The only package that imports PyNaCl (an import-linter contract says so). Everything
cryptographic the application does goes through a function here whose name says why."""
