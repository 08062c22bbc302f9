#compdef pgc

_pgc_completion() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" _PGC_COMPLETE=complete_zsh pgc)
}

if [[ "${funcstack[1]}" == _pgc ]]; then
  _pgc_completion "$@"
else
  compdef _pgc_completion pgc
fi
